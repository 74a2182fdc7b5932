"""Files tracker writes from the database besides reports (docs/forms.md).

`forms`: the notice's 附件2/3/4 filled from the roster, teams and units;
`templates`: blank ledgers to fill in. Both build a `render.files.Document`
and write it in the format the output's suffix names.
"""
