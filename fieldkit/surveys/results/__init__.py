"""Results: a survey's data set, its cleaning steps, exports, report tables and figures, the
composed report, and waves.

From the bottom up: ``numbers`` (number formatting, bands), ``cleaning_steps`` (the steps as
they apply), ``schema`` (the variables), ``dataset`` (reading the valid responses),
``analysis_rows`` (the packed rows SPSS and Stata exports read), ``tables``, ``figures``,
``waves``, ``cleaning`` (the steps' operations), ``composition``, ``report`` (with
``docx_report``), ``exports``; then the pages (``views``, ``views_cleaning``) and the commands
(``cli``).
"""
