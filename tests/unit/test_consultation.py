"""Consultation files: the bundled ones match the domain, malformed ones are explained."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from config.consultation import (
    BUNDLED_DIR,
    Consultation,
    ConsultationError,
    Option,
    bundled_names,
    load_consultation,
    parse_consultation,
)

ECUADOR = timezone(timedelta(hours=-5))
TODAY = datetime(2026, 11, 21, 12, 0, tzinfo=ECUADOR)
SOURCE = "consultations/x.toml"

QUITO_AXES = (
    "Hábitat, Seguridad y Convivencia Ciudadana",
    "Trabajo, Economía, Producción, Emprendimiento e Innovación",
    "Bienestar, Derechos y Protección Social",
    "Movilidad Sostenible",
    "Territorio Intercultural y Ecológico",
    "Gestión Metropolitana",
)
QUITO_PILLARS = (
    "Transparencia y acceso a la información pública",
    "Participación ciudadana",
    "Rendición de cuentas",
    "Integridad",
)
CUENCA_PILLARS = (
    "Transparencia y acceso a la información pública",
    "Integridad y rendición de cuentas",
    "Participación ciudadana",
    "Colaboración e innovación pública y ciudadana",
)

# A small valid file; line numbers matter to the tests below.
VALID = """\
names.es = "Consulta de prueba"
names.en = "Test consultation"
code_prefix = "TST"
opens = 2024-01-01T00:00:00-05:00
closes = 2024-12-31T23:59:59-05:00
languages = ["es", "en"]
zone_question.es = "Zona"
zone_question.en = "Zone"

[[axes]]
id = "1"
labels.es = "Eje uno"
labels.en = "Axis one"
descriptions.es = "Una frase."
descriptions.en = "One sentence."

[[pillars]]
id = "transparency"
labels = { es = "Transparencia", en = "Transparency" }

[[zones]]
id = "north"
labels.es = "Norte"
labels.en = "North"

[controller]
name = "Municipio de Prueba"
contact = "datos@prueba.gob.ec"
"""


def _line_of(text: str, needle: str) -> int:
    """The 1-based line of the first line that contains ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")


def _error_for(text: str) -> ConsultationError:
    with pytest.raises(ConsultationError) as caught:
        parse_consultation(text, SOURCE)
    return caught.value


# ---------------------------------------------------------------------------
# Bundled files


def test_bundled_names_are_the_four_consultations() -> None:
    assert bundled_names() == ["cuenca-2022", "pichincha-2024", "quito-2024", "riobamba"]
    assert BUNDLED_DIR.name == "consultations"


@pytest.mark.parametrize("name", ["cuenca-2022", "pichincha-2024", "quito-2024", "riobamba"])
def test_every_bundled_file_loads_in_spanish_and_english(name: str) -> None:
    consultation = load_consultation(name)
    assert consultation.slug == name
    assert consultation.languages[0] == "es"
    assert set(consultation.languages) == {"es", "en"}
    assert consultation.timezone == "America/Guayaquil"
    assert consultation.opens.utcoffset() == timedelta(hours=-5)
    assert consultation.closes.utcoffset() == timedelta(hours=-5)
    assert consultation.opens < consultation.closes
    assert Path(consultation.source) == BUNDLED_DIR / f"{name}.toml"
    assert consultation.name("es")
    assert consultation.name("en")
    assert consultation.name("es") != consultation.name("en")
    assert consultation.axes
    assert consultation.pillars
    assert consultation.zones
    for option in (*consultation.axes, *consultation.pillars, *consultation.zones):
        assert re.fullmatch(r"[a-z0-9-]{1,24}", option.id)
        assert set(option.labels) == {"es", "en"}
    for option in (*consultation.axes, *consultation.pillars):
        assert option.description("es")
        assert option.description("en")
    assert set(consultation.zone_question) == {"es", "en"}


def test_bundled_code_prefixes_are_distinct() -> None:
    prefixes = [load_consultation(name).code_prefix for name in bundled_names()]
    assert sorted(prefixes) == ["CUE", "PIC", "RIO", "UIO"]


def test_quito_matches_the_pmdot_axes_and_its_four_pillars() -> None:
    quito = load_consultation("quito-2024")
    assert quito.code_prefix == "UIO"
    assert [axis.id for axis in quito.axes] == ["1", "2", "3", "4", "5", "6"]
    assert tuple(axis.label("es") for axis in quito.axes) == QUITO_AXES
    mobility = quito.axis("4")
    assert mobility is not None
    assert mobility.label("en") == "Sustainable Mobility"
    assert tuple(p.label("es") for p in quito.pillars) == QUITO_PILLARS
    assert [p.id for p in quito.pillars] == ["transparency", "participation", "accountability", "integrity"]
    assert [z.label("es") for z in quito.zones] == [
        "Calderón",
        "Eloy Alfaro",
        "Eugenio Espejo",
        "La Delicia",
        "Los Chillos",
        "Manuela Sáenz",
        "Quitumbe",
        "Tumbaco",
        "Parroquias rurales",
    ]
    assert quito.zone("manuela-saenz") is not None
    assert quito.zone_question == {"es": "Administración zonal", "en": "Zonal administration"}
    assert quito.opens == datetime(2024, 7, 15, tzinfo=ECUADOR)
    assert quito.closes == datetime(2027, 12, 31, 23, 59, 59, tzinfo=ECUADOR)
    assert quito.is_open(TODAY)
    assert quito.has_opened(TODAY)


def test_cuenca_received_proposals_only_in_autumn_2022() -> None:
    cuenca = load_consultation("cuenca-2022")
    assert cuenca.code_prefix == "CUE"
    assert tuple(p.label("es") for p in cuenca.pillars) == CUENCA_PILLARS
    assert not cuenca.is_open(TODAY)
    assert cuenca.has_opened(TODAY)
    assert cuenca.is_open(datetime(2022, 10, 1, 9, 0, tzinfo=ECUADOR))
    assert not cuenca.is_open(datetime(2022, 9, 25, 23, 59, tzinfo=ECUADOR))
    assert cuenca.is_open(datetime(2022, 11, 18, 23, 59, 59, tzinfo=ECUADOR))
    assert not cuenca.is_open(datetime(2022, 11, 19, 5, 0, tzinfo=UTC))  # 00:00 in Ecuador
    assert not cuenca.has_opened(datetime(2022, 9, 1, tzinfo=ECUADOR))


def test_riobamba_uses_the_cuenca_pillars_and_is_open() -> None:
    riobamba = load_consultation("riobamba")
    assert riobamba.code_prefix == "RIO"
    assert tuple(p.label("es") for p in riobamba.pillars) == CUENCA_PILLARS
    assert riobamba.languages == ("es", "en")
    assert riobamba.is_open(TODAY)
    assert riobamba.closes.year == 2027


def test_pichincha_works_by_canton_with_ogp_values() -> None:
    pichincha = load_consultation("pichincha-2024")
    assert pichincha.code_prefix == "PIC"
    assert [z.label("es") for z in pichincha.zones] == [
        "Quito",
        "Cayambe",
        "Mejía",
        "Pedro Moncayo",
        "Rumiñahui",
        "San Miguel de los Bancos",
        "Pedro Vicente Maldonado",
        "Puerto Quito",
    ]
    assert [p.label("en") for p in pichincha.pillars] == [
        "Transparency",
        "Civic participation",
        "Public accountability",
        "Technology and innovation",
    ]
    assert pichincha.axis("economy") is not None
    assert pichincha.zone_question["es"] == "Cantón"
    assert pichincha.is_open(TODAY)


def test_bundled_placeholders_are_flagged_for_the_municipality() -> None:
    for name in ("cuenca-2022", "riobamba", "pichincha-2024"):
        text = (BUNDLED_DIR / f"{name}.toml").read_text(encoding="utf-8")
        assert "POR CONFIRMAR" in text
        assert "TO BE CONFIRMED" in text
    assert "Kichwa" in (BUNDLED_DIR / "riobamba.toml").read_text(encoding="utf-8")


def test_option_ids_fit_in_callback_data() -> None:
    for name in bundled_names():
        consultation = load_consultation(name)
        for option in (*consultation.axes, *consultation.pillars, *consultation.zones):
            assert len(f"zone:{option.id}".encode()) <= 64


# ---------------------------------------------------------------------------
# The model


def test_valid_text_parses_and_slug_comes_from_the_file_name() -> None:
    consultation = parse_consultation(VALID, "somewhere/My Test.toml")
    assert isinstance(consultation, Consultation)
    assert consultation.slug == "my-test"
    assert consultation.source == "somewhere/My Test.toml"
    assert consultation.timezone == "America/Guayaquil"
    assert consultation.pillar("transparency") is not None
    assert consultation.pillar("missing") is None
    assert consultation.zone("north") is not None
    assert consultation.axis("north") is None


def test_labels_fall_back_to_spanish_then_any() -> None:
    option = Option(id="x", labels={"es": "Uno", "en": "One"}, descriptions={"es": "Una frase."})
    assert option.label("en") == "One"
    assert option.label("en-US") == "One"
    assert option.label("qu") == "Uno"
    assert option.label("") == "Uno"
    assert option.description("en") == "Una frase."
    assert Option(id="y", labels={"en": "Only English"}, descriptions={}).label("es") == "Only English"
    assert Option(id="y", labels={"es": "Uno"}, descriptions={}).description("es") == ""


def test_bundled_labels_fall_back_to_spanish_for_an_unlisted_language() -> None:
    quito = load_consultation("quito-2024")
    assert quito.axes[0].label("qu") == QUITO_AXES[0]
    assert quito.name("shuar") == quito.name("es")


def test_options_are_immutable_and_hashable() -> None:
    quito = load_consultation("quito-2024")
    with pytest.raises(TypeError):
        quito.axes[0].labels["es"] = "cambiado"  # type: ignore[index]
    assert len({quito.axes[0], quito.axes[0]}) == 1
    assert hash(quito) == hash(load_consultation("quito-2024"))


def test_is_open_needs_an_aware_datetime() -> None:
    quito = load_consultation("quito-2024")
    with pytest.raises(ValueError, match="timezone-aware"):
        quito.is_open(datetime(2026, 11, 21))


def test_window_edges_are_inclusive() -> None:
    consultation = parse_consultation(VALID, SOURCE)
    assert consultation.is_open(consultation.opens)
    assert consultation.is_open(consultation.closes)
    assert not consultation.is_open(consultation.closes + timedelta(seconds=1))
    assert not consultation.has_opened(consultation.opens - timedelta(seconds=1))


def test_zones_are_optional() -> None:
    text = VALID.split("[[zones]]")[0].replace('zone_question.es = "Zona"\nzone_question.en = "Zone"\n', "")
    consultation = parse_consultation(text + "[controller]" + VALID.split("[controller]")[1], SOURCE)
    assert consultation.zones == ()
    assert dict(consultation.zone_question) == {}


def test_timezone_can_be_set() -> None:
    text = VALID.replace("languages", 'timezone = "America/Bogota"\nlanguages')
    assert parse_consultation(text, SOURCE).timezone == "America/Bogota"


def test_extra_label_languages_may_be_prepared_before_being_listed() -> None:
    text = VALID.replace('labels.en = "Axis one"', 'labels.en = "Axis one"\nlabels.qu = "Shuk"')
    assert parse_consultation(text, SOURCE).axes[0].label("qu") == "Shuk"


# ---------------------------------------------------------------------------
# Loading by name or path


def test_unknown_name_lists_the_bundled_consultations() -> None:
    with pytest.raises(ConsultationError) as caught:
        load_consultation("quito")
    message = str(caught.value)
    assert 'no bundled consultation named "quito"' in message
    assert '(did you mean "quito-2024"?)' in message
    for name in bundled_names():
        assert name in message


def test_load_by_path(tmp_path: Path) -> None:
    path = tmp_path / "ibarra-2026.toml"
    path.write_text(VALID, encoding="utf-8")
    consultation = load_consultation(str(path))
    assert consultation.slug == "ibarra-2026"
    assert consultation.source == str(path)


def test_load_accepts_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + VALID.encode("utf-8"))
    assert load_consultation(str(path)).code_prefix == "TST"


def test_load_missing_file_names_it(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(ConsultationError, match=r"nope\.toml: file not found"):
        load_consultation(str(path))


def test_load_rejects_non_utf8_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(VALID.replace("Norte", "Dirección norte").encode("latin-1"))
    with pytest.raises(ConsultationError) as caught:
        load_consultation(str(path))
    assert f"latin1.toml, line {_line_of(VALID, 'Norte')}: the file is not UTF-8" in str(caught.value)


def test_load_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(VALID.replace('"TST"', '"T"'), encoding="utf-8")
    with pytest.raises(ConsultationError) as caught:
        load_consultation(str(path))
    assert str(caught.value).startswith(f"{path}, line 3: code_prefix")


# ---------------------------------------------------------------------------
# Malformed files: file, line and problem

# (case id, replace this, with this, the line the error must name (a string found on it), problem)
MALFORMED: list[tuple[str, str, str, str, str]] = [
    (
        "toml syntax: unquoted text",
        'code_prefix = "TST"',
        "code_prefix = TST",
        "code_prefix",
        "not valid TOML: invalid value (column 15)",
    ),
    (
        "missing Spanish label",
        'labels.es = "Eje uno"\n',
        "",
        'labels.en = "Axis one"',
        'axis "1" has no Spanish label (labels.es)',
    ),
    (
        "listed language without a label",
        'labels.en = "North"\n',
        "",
        'labels.es = "Norte"',
        'zone "north" has no English label (labels.en), but "en" is listed in languages',
    ),
    (
        "listed language missing in an inline table",
        'en = "Transparency"',
        'fr = "Transparence"',
        "labels = {",
        'pillar "transparency" has no English label (labels.en)',
    ),
    (
        "id not short ASCII",
        'id = "north"',
        'id = "Zona Norte Ñ"',
        'id = "Zona',
        'zone id "Zona Norte Ñ" must be 1 to 24 characters from a-z, 0-9 and "-"',
    ),
    (
        "id too long",
        'id = "north"',
        'id = "a-very-long-zone-identifier"',
        'id = "a-very',
        'zone id "a-very-long-zone-identifier" is 27 characters long; use at most 24',
    ),
    (
        "id written as a number",
        'id = "1"',
        "id = 1",
        "id = 1",
        'axis id must be text in quotes: write id = "1", not id = 1',
    ),
    (
        "closes before opens",
        "closes = 2024-12-31T23:59:59-05:00",
        "closes = 2023-12-31T23:59:59-05:00",
        "closes =",
        "closes (2023-12-31T23:59:59-05:00) must be after opens (2024-01-01T00:00:00-05:00)",
    ),
    (
        "naive datetime",
        "opens = 2024-01-01T00:00:00-05:00",
        "opens = 2024-01-01T00:00:00",
        "opens =",
        "opens has no UTC offset",
    ),
    (
        "date without time",
        "opens = 2024-01-01T00:00:00-05:00",
        "opens = 2024-01-01",
        "opens =",
        "opens must be a date with a time and UTC offset",
    ),
    (
        "quoted datetime",
        "closes = 2024-12-31T23:59:59-05:00",
        'closes = "2024-12-31T23:59:59-05:00"',
        "closes =",
        "closes must be a date and time without quotes",
    ),
    (
        "unknown top-level key close to a known one",
        "code_prefix =",
        "code_prefx =",
        "code_prefx",
        'unknown key "code_prefx" at the top of the file; did you mean "code_prefix"?',
    ),
    (
        "unknown key in an option",
        'labels.en = "Axis one"',
        'label.en = "Axis one"',
        "label.en",
        'unknown key "label" in axis "1"; did you mean "labels"?',
    ),
    (
        "unknown key with no close match",
        'code_prefix = "TST"',
        'code_prefix = "TST"\ncolour = "blue"',
        "colour",
        'unknown key "colour" at the top of the file (known keys: names, code_prefix',
    ),
    (
        "bad code prefix",
        '"TST"',
        '"uio1"',
        "code_prefix",
        'code_prefix "uio1" must be 2 to 6 capital letters A-Z',
    ),
    (
        "languages without Spanish",
        'languages = ["es", "en"]',
        'languages = ["en"]',
        "languages",
        'languages must include "es" (Spanish)',
    ),
    (
        "language listed twice",
        'languages = ["es", "en"]',
        'languages = ["es", "en", "es"]',
        "languages",
        'languages: "es" is listed twice',
    ),
    (
        "languages not a list",
        'languages = ["es", "en"]',
        'languages = "es"',
        "languages",
        'languages must be a list, like languages = ["es"]',
    ),
    (
        "name is wrong type",
        'names.es = "Consulta de prueba"\nnames.en = "Test consultation"',
        "names = 3",
        "names = 3",
        "the consultation's name must be a table of language code = text, not a number",
    ),
    (
        "label not per language",
        'labels.es = "Norte"\nlabels.en = "North"',
        'labels = "Norte"',
        'labels = "Norte"',
        'the label of zone "north" must be written once per language, like labels.es = "…", not labels = "…"',
    ),
    (
        "label language code in capitals",
        'labels.es = "Norte"',
        'labels.ES = "Norte"',
        "labels.ES",
        '"ES" in labels is not a language code like "es" or "en"; did you mean "es"?',
    ),
    (
        "empty label",
        'labels.es = "Eje uno"',
        'labels.es = "  "',
        'labels.es = "  "',
        'the label of axis "1" (labels.es) is empty',
    ),
    (
        "duplicate ids",
        "[[pillars]]",
        '[[axes]]\nid = "1"  # again\nlabels.es = "Otro"\nlabels.en = "Other"\n\n[[pillars]]',
        "# again",
        'axis id "1" is used twice in axes (entries 1 and 2); ids must be different',
    ),
    (
        "duplicate labels",
        "[[pillars]]",
        '[[axes]]\nid = "2"\nlabels.es = "eje uno"\nlabels.en = "Axis two"\n\n[[pillars]]',
        'labels.es = "eje uno"',
        'axis "2" has the same Spanish label as axis "1"',
    ),
    (
        "option without id",
        'id = "north"\n',
        "",
        "[[zones]]",
        "zone number 1 has no id",
    ),
    (
        "zones without zone question",
        'zone_question.es = "Zona"\nzone_question.en = "Zone"\n',
        "",
        "[[zones]]",
        'zones are listed but "zone_question" is missing',
    ),
    (
        "zone question missing a listed language",
        'zone_question.en = "Zone"\n',
        "",
        "zone_question.es",
        'the zone question has no English text (zone_question.en), but "en" is listed in languages',
    ),
    (
        "unknown time zone",
        "languages =",
        'timezone = "America/Quito2"\nlanguages =',
        "timezone",
        'timezone "America/Quito2" is not a known time zone name',
    ),
    (
        "axes as a table instead of a list",
        '[[axes]]\nid = "1"',
        '[axes]\nid = "1"',
        "[axes]",
        "axes must be a list of [[axes]] tables, not a table",
    ),
    (
        "description missing a listed language",
        'descriptions.en = "One sentence."\n',
        "",
        "descriptions.es",
        'axis "1" has no English description (descriptions.en)',
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "line_marker", "problem"),
    [pytest.param(old, new, marker, problem, id=case) for case, old, new, marker, problem in MALFORMED],
)
def test_malformed_file_names_file_line_and_problem(old: str, new: str, line_marker: str, problem: str) -> None:
    assert old in VALID
    text = VALID.replace(old, new, 1)
    error = _error_for(text)
    expected_line = _line_of(text, line_marker)
    message = str(error)
    assert f"{SOURCE}, line {expected_line}: {problem}" in message, message
    assert error.source == SOURCE
    assert error.line is not None


def test_missing_spanish_label_message_has_the_documented_shape() -> None:
    text = VALID.replace('id = "1"', 'id = "7"').replace('labels.es = "Eje uno"\n', "")
    assert str(_error_for(text)) == f'{SOURCE}, line 12: axis "7" has no Spanish label (labels.es)'


def test_missing_required_keys_point_at_the_top_of_the_file() -> None:
    text = VALID.replace('code_prefix = "TST"\n', "")
    assert str(_error_for(text)) == (
        f'{SOURCE}, line 1: missing required key "code_prefix" at the top of the file '
        '(for example: code_prefix = "UIO")'
    )


def test_misspelt_required_key_is_reported_once() -> None:
    text = VALID.replace("closes =", "closes_at =")
    error = _error_for(text)
    assert str(error) == (f'{SOURCE}, line 5: unknown key "closes_at" at the top of the file; did you mean "closes"?')


def test_missing_pillars_list() -> None:
    text = VALID.replace(VALID[VALID.index("[[pillars]]") : VALID.index("[[zones]]")], "")
    assert f'{SOURCE}, line 1: missing required list "pillars"' in str(_error_for(text))


def test_empty_axes_list() -> None:
    text = VALID.split("[[axes]]")[0] + "axes = []\n\n[[pillars]]" + VALID.split("[[pillars]]")[1]
    error = _error_for(text)
    assert f"{SOURCE}, line {_line_of(text, 'axes = []')}: axes is empty" in str(error)


def test_several_problems_are_reported_in_file_order() -> None:
    text = VALID.replace('"TST"', '"tst"').replace('id = "north"', 'id = "Norte"')
    error = _error_for(text)
    lines = str(error).splitlines()
    zone_line = _line_of(text, 'id = "Norte"')
    assert len(lines) == 2
    assert lines[0].startswith(f"{SOURCE}, line 3: code_prefix")
    assert lines[1].startswith(f"{SOURCE}, line {zone_line}: zone id")
    assert error.line == 3
    assert [line for line, _ in error.problems] == [3, zone_line]


def test_toml_error_at_end_of_file_gives_the_last_line() -> None:
    text = VALID + "extra = [1,\n"
    message = str(_error_for(text))
    assert message.startswith(f"{SOURCE}, line {len(text.splitlines())}: not valid TOML")
    assert "something is not closed" in message


def test_table_declared_twice() -> None:
    text = VALID + "\n[names]\nes = 'x'\n"
    message = str(_error_for(text))
    assert message.startswith(f"{SOURCE}, line {_line_of(text, '[names]')}: not valid TOML")
    assert "the same [table] is written twice" in message


def test_line_numbers_survive_comments_multiline_values_and_subtables() -> None:
    text = '''\
# A comment that mentions [[axes]] and id = "9"
names.es = """Consulta
de prueba"""
names.en = 'Test # not a comment'
code_prefix = "TST"  # trailing comment
opens = 2024-01-01 00:00:00-05:00
closes = 2024-12-31T23:59:59-05:00
languages = [
    "es",  # Spanish
    "en",
]

[[axes]]
id = "1"
[axes.labels]
es = "Eje uno [[pillars]]"
en = "Axis one"

[[axes]]
id = "2"
[axes.labels]
en = "Axis two"

[[pillars]]
"id" = "transparency"
labels.'es' = "Transparencia"
labels.en = "Transparency"

[controller]
name = "Municipio de Prueba"
contact = "datos@prueba.gob.ec"
'''
    message = str(_error_for(text))
    # the name spans two lines: refused as multi-line, on its own line
    assert f"{SOURCE}, line 2: the consultation's name (names.es) must be a single line" in message
    # the second axis' labels sub-table lacks Spanish
    assert f'{SOURCE}, line 21: axis "2" has no Spanish label (labels.es)' in message
    assert message.count("\n") == 1


def test_array_of_inline_tables_gets_per_entry_lines() -> None:
    text = (
        VALID.split("[[pillars]]")[0].split("[[axes]]")[0]
        + """\
axes = [
    { id = "1", labels = { es = "Uno", en = "One" } },
    { id = "uno", labels = { es = "Uno", en = "Another one" } },
]

[[pillars]]"""
        + VALID.split("[[pillars]]")[1]
    )
    message = str(_error_for(text))
    assert f'{SOURCE}, line {_line_of(text, "Another one")}: axis "uno" has the same Spanish label' in message


def test_many_problems_are_capped() -> None:
    zones = "".join(f'\n[[zones]]\nid = "Z{n}"\nlabels.es = "Zona {n}"\nlabels.en = "Zone {n}"\n' for n in range(30))
    error = _error_for(VALID + zones)
    lines = str(error).splitlines()
    assert len(lines) == 21
    assert lines[-1] == f"{SOURCE}: ... and 10 more problems"
    assert len(error.problems) == 30


def test_windows_line_endings_keep_line_numbers() -> None:
    text = VALID.replace('id = "north"', 'id = "Norte"').replace("\n", "\r\n")
    line = _line_of(VALID, 'id = "north"')
    assert f"{SOURCE}, line {line}: zone id" in str(_error_for(text))
