"""Questionnaires: the definition and its skip logic, XLSForm, and the pages that list, import
and export questionnaires."""
