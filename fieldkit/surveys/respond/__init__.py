"""The respondent's side: links, answering page by page, saving and submitting, and the staff
preview and entry of interviews and paper forms."""
