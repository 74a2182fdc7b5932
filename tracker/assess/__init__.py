"""The assessment engine (docs/rules.md): figures per volunteer, team and unit, and the checks.

`figures` computes each figure with polars; `assessment.Assessment` caches a
period's figures and runs `checks` on them; `inactive` is the one definition
of the mid-year reminder list (R7).
"""
