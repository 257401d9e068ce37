"""The conference's summary document: compile, download, send and revoke."""
