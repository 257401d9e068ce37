"""Surveys: questionnaires, surveys, sampling frames, invitations, responses and results."""
