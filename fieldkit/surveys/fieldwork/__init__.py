"""Fieldwork: the sampling frame, e-mail templates, invitations, reminders and bounces."""
