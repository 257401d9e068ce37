"""Tables against hand-computed references (exact strings).

The references were worked out by hand; the arithmetic is in the comments.
"""

import pytest

from fieldkit.surveys.questionnaires import definition
from fieldkit.surveys.results import numbers, tables
from fieldkit.surveys.results.dataset import Record
from fieldkit.surveys.results.tables import Options
from tests.paths import FIXTURES

FIXTURES = FIXTURES
#: The words of tables and figures come from the catalogue: in the app, in its default language
#: (bokmål).
pytestmark = pytest.mark.usefixtures("app")
Q = definition.load((FIXTURES / "ansatteskjema_storbysatsingen.yaml").read_text("utf-8"))


def records(*answers, strata=None):
    return [Record(dict(a), {"strata": dict(strata or {})}) for a in answers]


# q16: Svært høy 7, Ganske høy 12, Ganske lav 5, Svært lav 2, Vet ikke 3: n = 29.
# Exact: 24.14, 41.38, 17.24, 6.90, 10.34.
Q16 = records(
    *([{"q16": "1"}] * 7 + [{"q16": "2"}] * 12 + [{"q16": "3"}] * 5 + [{"q16": "4"}] * 2
      + [{"q16": "9"}] * 3 + [{"q1": "1"}])
)  # fmt: skip


def table(name, recs, **options):
    return tables.table_for(Q, name, recs, Options(**options))


def test_numbers_print_the_norwegian_way():
    assert numbers.number(1234567.891, 1) == "1 234 567,9"
    assert numbers.number(12345) == "12 345"
    assert numbers.number(2.5) == "3"  # half up, not to even
    assert numbers.number(0.125, 2) == "0,13"
    assert numbers.number(-1500) == "-1 500"
    assert numbers.number(999) == "999"


def test_frequency_whole_percentages_total_100():
    t = table("q16", Q16)
    assert t.caption == "16. Hvor høy er måloppnåelsen så langt? (n=29)"
    assert t.header == ["", "Antall", "Prosent"]
    assert t.rows == [
        ["Svært høy", "7", "24"],
        ["Ganske høy", "12", "41"],
        ["Ganske lav", "5", "17"],
        ["Svært lav", "2", "7"],
        ["Vet ikke", "3", "10"],
        ["Sum", "29", "100"],
    ]
    assert t.n == 29


def test_frequency_total_as_sum_of_rounded_figures():
    # 24 + 41 + 17 + 7 + 10 = 99
    assert table("q16", Q16, total="sum").rows[-1] == ["Sum", "29", "99"]


def test_frequency_largest_remainder_adds_to_100():
    # Floors 24, 41, 17, 6, 10 = 98; the two largest remainders (.90 Svært lav, .38 Ganske
    # høy) get one each: 24, 42, 17, 7, 10.
    t = table("q16", Q16, total="largest_remainder")
    assert [r[2] for r in t.rows] == ["24", "42", "17", "7", "10", "100"]


def test_frequency_with_one_decimal():
    t = table("q16", Q16, decimals=1)
    assert [r[2] for r in t.rows] == ["24,1", "41,4", "17,2", "6,9", "10,3", "100,0"]
    assert table("q16", Q16, decimals=1, total="sum").rows[-1][2] == "99,9"


def test_frequency_without_dont_know():
    # Base 26: 26.92, 46.15, 19.23, 7.69.
    t = table("q16", Q16, exclude_nonsubstantive=True)
    assert t.caption.endswith("(n=26)")
    assert t.rows == [
        ["Svært høy", "7", "27"],
        ["Ganske høy", "12", "46"],
        ["Ganske lav", "5", "19"],
        ["Svært lav", "2", "8"],
        ["Sum", "26", "100"],
    ]
    assert t.notes == ["Vet ikke er holdt utenfor."]


def test_skip_based_item_is_based_on_those_asked():
    # q14 is asked only when q12 = 1: ten asked (six Ja, three Nei, one left it), five not.
    recs = records(
        *([{"q12": "1", "q14": "1"}] * 6 + [{"q12": "1", "q14": "2"}] * 3 + [{"q12": "1"}]
          + [{"q12": "2"}] * 5)
    )  # fmt: skip
    t = table("q14", recs)
    assert t.caption == "14. Har dere skriftlige avtaler med tiltaksarrangørene? (n=9)"
    assert t.rows == [["Ja", "6", "67"], ["Nei", "3", "33"], ["Sum", "9", "100"]]


def test_small_cells_are_suppressed():
    t = table("q16", Q16, min_cell=5)
    assert t.rows[3] == ["Svært lav", "<5", "–"]
    assert t.rows[4] == ["Vet ikke", "<5", "–"]
    assert t.rows[2] == ["Ganske lav", "5", "17"]


def test_multiple_choice_share_of_respondents():
    recs = records(
        {"q8": ["moter", "team"]}, {"q8": ["moter"]}, {"q8": ["ingen"]},
        {"q8": ["moter", "plan", "annet"]}, {"q1": "1"},
    )  # fmt: skip
    t = table("q8", recs)
    assert t.caption == "8. Hvilke samarbeidsformer har dere brukt? (n=4)"
    assert t.rows == [
        ["Faste møter", "3", "75"],
        ["Felles team", "1", "25"],
        ["Individuell plan", "1", "25"],
        ["Annet, i så fall hva", "1", "25"],
        ["Ingen av disse", "1", "25"],
    ]
    assert t.notes == [
        "Kategoriene er ikke gjensidig utelukkende, så prosentene summerer ikke til 100."
    ]


def test_grid_rows_with_their_own_n():
    recs = records(
        {"q6_aetat": "1", "q6_sosial": "2", "q6_andre": "4"},
        {"q6_aetat": "1", "q6_sosial": "2"},
        {"q6_aetat": "2", "q6_sosial": "9"},
        {"q6_aetat": "3"},
    )
    t = table("q6", recs)
    assert t.header == [
        "", "Så å si alltid", "Ofte", "Noen ganger", "Aldri", "Vet ikke", "Sum", "N",
    ]  # fmt: skip
    assert t.rows == [
        ["Aetat", "50", "25", "25", "0", "0", "100", "4"],
        ["Sosialtjenesten", "0", "67", "0", "0", "33", "100", "3"],
        ["Helsevesenet", "0", "0", "0", "0", "0", "0", "0"],
        ["Andre? Hvilke", "0", "0", "0", "100", "0", "100", "1"],
    ]
    # One grid row alone is a frequency table.
    assert table("q6_sosial", recs).rows[-1] == ["Sum", "3", "100"]


def test_crosstab_by_frame_column_with_n_in_headers():
    recs = (
        records({"q16": "1"}, {"q16": "1"}, {"q16": "2"}, strata={"etat": "Aetat"})
        + records(
            {"q16": "2"},
            {"q16": "2"},
            {"q16": "3"},
            {"q16": "9"},
            strata={"etat": "Sosialtjenesten"},
        )  # fmt: skip
        + records({"q16": "1"})  # no stratum: left out
    )
    t = tables.table_for(Q, "q16", recs, Options(), by="etat")
    assert t.header == ["", "Aetat (N=3)", "Sosialtjenesten (N=4)", "Totalt (N=7)"]
    # Totalt: 2/7 = 28.6, 3/7 = 42.9, 1/7 = 14.3, 0, 1/7 = 14.3.
    assert t.rows == [
        ["Svært høy", "67", "0", "29"],
        ["Ganske høy", "33", "50", "43"],
        ["Ganske lav", "0", "25", "14"],
        ["Svært lav", "0", "0", "0"],
        ["Vet ikke", "0", "25", "14"],
        ["Sum", "100", "100", "100"],
    ]
    assert t.caption == "16. Hvor høy er måloppnåelsen så langt? Etter etat. Prosent (n=7)"


def test_crosstab_by_another_item():
    recs = records(
        {"q1": "1", "q14": "1", "q12": "1"},
        {"q1": "2", "q14": "2", "q12": "1"},
        {"q1": "2", "q14": "1", "q12": "1"},
    )
    t = tables.table_for(Q, "q14", recs, Options(), by="q1")
    assert t.header == ["", "Aetat (N=1)", "Sosialtjenesten (N=2)", "Totalt (N=3)"]
    assert t.rows == [
        ["Ja", "100", "50", "67"],
        ["Nei", "0", "50", "33"],
        ["Sum", "100", "100", "100"],
    ]


def test_descriptives_and_bands():
    recs = records({"q4": 10}, {"q4": 20}, {"q4": 30}, {"q4": 45}, {"q1": "1"})
    t = table("q4", recs)
    # mean 105/4 = 26.25, median (20 + 30)/2 = 25.
    assert t.header == ["", "n", "Gjennomsnitt", "Median", "Min", "Maks"]
    assert t.rows == [["deltakere", "4", "26,3", "25,0", "10", "45"]]
    banded = tables.table_for(
        Q, "q4", recs + records({"q4": 5}), Options(), band_list=numbers.parse_bands("0,20,40")
    )
    assert banded.rows == [
        ["0–19", "2", "40"],
        ["20–39", "2", "40"],
        ["40 eller flere", "1", "20"],
        ["Sum", "5", "100"],
    ]


def test_bad_requests_say_what_is_wrong(app):
    # In the researcher's language (bokmål by default), naming the question or the value.
    with app.test_request_context():
        with pytest.raises(tables.TableError, match="Skjemaet har ikke noe spørsmål eller noen "
                           "variabel som heter «q99»."):  # fmt: skip
            table("q99", [])
        with pytest.raises(
            tables.TableError, match=r"q18 \(long_text\) har ingen tabell; eksporter dataene"
        ):
            table("q18", [])
        with pytest.raises(
            tables.TableError, match=r"grensene må være stigende tall \(ikke «10,5»\)"
        ):
            numbers.parse_bands("10,5")
        total = "Sumlinjen er en av 100, sum, largest_remainder, ikke «rounded»."
        with pytest.raises(tables.TableError, match=total):
            Options(total="rounded")
        with pytest.raises(
            tables.TableError, match="Prosenter har 0, 1, 2 eller 3 desimaler, ikke 4."
        ):
            Options(decimals=4)


def test_text_and_csv_output():
    recs = records({"q12": "1"}, {"q12": "1"}, {"q12": "2"})
    t = table("q12", recs)
    assert t.as_text() == (
        "12. Bruker kontoret eksterne tiltaksarrangører? (n=3)\n"
        "    | Antall | Prosent\n"
        "----+--------+--------\n"
        "Ja  |      2 |      67\n"
        "Nei |      1 |      33\n"
        "Sum |      3 |     100\n"
    )
    assert t.as_csv().splitlines()[1:] == [";Antall;Prosent", "Ja;2;67", "Nei;1;33", "Sum;3;100"]


def test_unlabelled_scale_points_show_their_code():
    # q10 is 1–7 with words only at the ends; 1, 1, 4, 7: 50, 0, 0, 25, 0, 0, 25.
    t = table("q10", records({"q10": "1"}, {"q10": "1"}, {"q10": "4"}, {"q10": "7"}))
    assert [r[0] for r in t.rows] == [
        "Svært lett",
        "2",
        "3",
        "4",
        "5",
        "6",
        "Svært vanskelig",
        "Sum",
    ]
    assert [r[2] for r in t.rows] == ["50", "0", "0", "25", "0", "0", "25", "100"]


def test_grid_with_several_choices_per_row():
    # q7_kurs: three answered (aetat+kommunen, aetat, satsingen); q7_praksis: one (kommunen).
    recs = records(
        {"q7_kurs": ["aetat", "kommunen"], "q7_praksis": ["kommunen"]},
        {"q7_kurs": ["aetat"]},
        {"q7_kurs": ["satsingen"]},
        {"q1": "1"},
    )
    t = table("q7", recs)
    assert t.header == ["", "Aetat", "Kommunen", "Storbysatsingen", "N"]
    assert t.rows == [
        ["Kurs", "67", "33", "33", "3"],
        ["Arbeidspraksis", "0", "100", "0", "1"],
        ["Lønnstilskudd", "0", "0", "0", "0"],
    ]
    assert t.notes == [
        "Kategoriene er ikke gjensidig utelukkende, så prosentene summerer ikke til 100."
    ]


def test_frequency_largest_remainder_with_one_decimal():
    # Exact 24.138, 41.379, 17.241, 6.897, 10.345; in tenths the floors 241 + 413 + 172 + 68
    # + 103 = 997, so the three largest remainders get a tenth each: .97 (Svært lav), .79
    # (Ganske høy), .45 (Vet ikke) -> 24,1 41,4 17,2 6,9 10,4 = 100,0 (half up gives 10,3 and
    # a total of 99,9).
    t = table("q16", Q16, decimals=1, total="largest_remainder")
    assert [r[2] for r in t.rows] == ["24,1", "41,4", "17,2", "6,9", "10,4", "100,0"]


def test_grid_rounding_options_and_without_dont_know():
    # Aetat: 1, 2, 3 -> a third each, 33.33. Sosialtjenesten: 1, 1, 2, 9.
    recs = records(
        {"q6_aetat": "1", "q6_sosial": "1"},
        {"q6_aetat": "2", "q6_sosial": "1"},
        {"q6_aetat": "3", "q6_sosial": "2"},
        {"q6_sosial": "9"},
    )
    # Sum of the rounded figures: 33 + 33 + 33 = 99; Sosialtjenesten 50 + 25 + 25 = 100.
    rows = table("q6", recs, total="sum").rows
    assert rows[0] == ["Aetat", "33", "33", "33", "0", "0", "99", "3"]
    assert rows[1] == ["Sosialtjenesten", "50", "25", "0", "0", "25", "100", "4"]
    # Largest remainder: floors 33 + 33 + 33 = 99, the tie goes to the first column: 34.
    rows = table("q6", recs, total="largest_remainder").rows
    assert rows[0] == ["Aetat", "34", "33", "33", "0", "0", "100", "3"]
    # Without "Vet ikke" Sosialtjenesten's base is 3: 66.67 -> 67, 33.33 -> 33; no column for
    # it, N 3.
    t = table("q6", recs, exclude_nonsubstantive=True)
    assert t.header == ["", "Så å si alltid", "Ofte", "Noen ganger", "Aldri", "Sum", "N"]
    assert t.rows[1] == ["Sosialtjenesten", "67", "33", "0", "0", "100", "3"]


def test_crosstab_with_one_decimal_and_the_sum_of_rounded_figures():
    recs = records({"q16": "1"}, {"q16": "2"}, {"q16": "3"}, strata={"etat": "Aetat"}) + records(
        *[{"q16": code} for code in "22239"], strata={"etat": "Sosialtjenesten"}
    )
    t = tables.table_for(Q, "q16", recs, Options(decimals=1, total="sum"), by="etat")
    assert t.header == ["", "Aetat (N=3)", "Sosialtjenesten (N=5)", "Totalt (N=8)"]
    # Aetat thirds 33,3 (sum 99,9); Sosialtjenesten 3/5, 1/5, 1/5; Totalt 1/8 = 12,5, 4/8, 2/8,
    # 0, 1/8.
    assert t.rows == [
        ["Svært høy", "33,3", "0,0", "12,5"],
        ["Ganske høy", "33,3", "60,0", "50,0"],
        ["Ganske lav", "33,3", "20,0", "25,0"],
        ["Svært lav", "0,0", "0,0", "0,0"],
        ["Vet ikke", "0,0", "20,0", "12,5"],
        ["Sum", "99,9", "100,0", "100,0"],
    ]
    # Small cells: Aetat's ones and Sosialtjenesten's 1/5 are hidden; Totalt's 2 stays hidden
    # too at min_cell 3, its 4 does not.
    hidden = tables.table_for(Q, "q16", recs, Options(min_cell=3), by="etat")
    assert hidden.rows[:3] == [
        ["Svært høy", "–", "0", "–"],
        ["Ganske høy", "–", "60", "50"],
        ["Ganske lav", "–", "–", "–"],
    ]


def test_bands_with_the_rounding_options():
    # 5 and 15 | 25 and 35 | 45 and 55: a third in each band of 0,20,40.
    recs = records(*[{"q4": v} for v in (5, 15, 25, 35, 45, 55)])
    bands = numbers.parse_bands("0,20,40")
    rows = tables.table_for(Q, "q4", recs, Options(total="sum"), band_list=bands).rows
    assert rows == [["0–19", "2", "33"], ["20–39", "2", "33"], ["40 eller flere", "2", "33"],
                    ["Sum", "6", "99"]]  # fmt: skip
    rows = tables.table_for(Q, "q4", recs, Options(total="largest_remainder"), band_list=bands)
    assert [r[2] for r in rows.rows] == ["34", "33", "33", "100"]
