"""Surveys: questionnaires, the editor, the respondent's side, fieldwork, results and paper forms.

Each area is a package holding its views, operations, forms and commands; ``blueprints`` gathers
their pages and ``feature`` registers them with the commands. This package itself imports
nothing, so that importing the models or an engine does not import every page.
"""
