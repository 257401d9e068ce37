"""The questionnaire editor: pure editing functions (``edits``), forms, and saving
(``operations``)."""
