"""The printable paper version of a questionnaire and its codebook.

``words`` turns skip-logic conditions into instructions a respondent reads ("Besvares bare hvis
«Ja» på spørsmål 12"), ``paper`` builds the paper form and ``codebook`` the variable list; both
render to PDF through ``fieldkit.core.pdf``. ``operations`` holds the audited exports that
views and the CLI call.
"""
