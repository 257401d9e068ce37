"""Questionnaire items as respondents meet them: reading and validating a page's answers
(``answers.read_page``), and the plain view of a page that the item macros render
(``rendering.PageView``). Nothing here knows where answers are kept between pages."""
