"""The questionnaire editor: pure editing verbs (``verbs``), forms, and saving (``operations``)."""
