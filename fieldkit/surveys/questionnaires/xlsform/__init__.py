"""XLSForm in and out: the spreadsheet format of ODK and KoBoToolbox.

``read_xlsform`` reads a workbook with pyxform, the reference implementation behind ODK and
KoBoToolbox, so a form that converts there converts here; anything fieldkit does not represent
is refused with its sheet, row and column rather than dropped. ``write_xlsform`` writes a
workbook that pyxform accepts and that ``read_xlsform`` reads back to an equal definition.

The modules, in the order a workbook passes through them:

- ``vocabulary``: sheets, columns and aliases, row types, languages, yes/no, places in a sheet;
- ``sheets``: the sheets as the spreadsheet has them, and an index of the named rows;
- ``checking``: what each row may say, checked before pyxform converts the form;
- ``conversion``: pyxform's structure turned into a definition;
- ``reading``: ``read_xlsform``, which runs the steps above;
- ``constraints``: ranges written as the start of a constraint, read back and written;
- ``writing``: ``write_xlsform``.

The mapping (and the extra columns for what XLSForm lacks) is documented in
``docs/questionnaire-format.md``. pyxform and openpyxl are imported only when a workbook is read
or written.
"""

from __future__ import annotations

from fieldkit.surveys.questionnaires.xlsform.reading import check_archive, read_xlsform
from fieldkit.surveys.questionnaires.xlsform.writing import write_xlsform

__all__ = ["check_archive", "read_xlsform", "write_xlsform"]
