"""The reports people print and discuss (docs/reports.md): 季度例会通报, 年中调整, 年度考评与星级认定.

`registry.REPORTS` lists them; `make.make_reports` builds each unit's
`model.Report` from one assessment, `output.WRITERS` writes it as HTML,
.xlsx or Word. `tracker.api.report` is the one call that does all three.
"""
