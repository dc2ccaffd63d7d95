#!/usr/bin/env python3
"""Writes assets/test-data/mmlu-mini: a small MMLU-like dataset in the Hendrycks CSV layout.

    dev/<subject>_dev.csv, val/<subject>_val.csv, test/<subject>_test.csv
    no header; columns: question, A, B, C, D, answer letter

Four invented subjects with templated questions (no MMLU text), seeded so the files never change:
    python3 assets/test-data/make_mmlu_mini.py            # rewrites assets/test-data/mmlu-mini
The CSV files are committed; this script documents how they were made.
"""
import csv
import os
import random
import sys

DEV, VAL, TEST = 5, 8, 50

CAPITALS = [
    ("France", "Paris"), ("Germany", "Berlin"), ("Italy", "Rome"), ("Spain", "Madrid"), ("Portugal", "Lisbon"),
    ("Austria", "Vienna"), ("Hungary", "Budapest"), ("Poland", "Warsaw"), ("Greece", "Athens"), ("Norway", "Oslo"),
    ("Sweden", "Stockholm"), ("Finland", "Helsinki"), ("Denmark", "Copenhagen"), ("Ireland", "Dublin"),
    ("Belgium", "Brussels"), ("Netherlands", "Amsterdam"), ("Switzerland", "Bern"), ("Czechia", "Prague"),
    ("Romania", "Bucharest"), ("Bulgaria", "Sofia"), ("Serbia", "Belgrade"), ("Croatia", "Zagreb"),
    ("Slovakia", "Bratislava"), ("Slovenia", "Ljubljana"), ("Estonia", "Tallinn"), ("Latvia", "Riga"),
    ("Lithuania", "Vilnius"), ("Iceland", "Reykjavik"), ("Japan", "Tokyo"), ("China", "Beijing"),
    ("India", "New Delhi"), ("Thailand", "Bangkok"), ("Vietnam", "Hanoi"), ("Indonesia", "Jakarta"),
    ("Philippines", "Manila"), ("Egypt", "Cairo"), ("Kenya", "Nairobi"), ("Nigeria", "Abuja"), ("Ghana", "Accra"),
    ("Morocco", "Rabat"), ("Ethiopia", "Addis Ababa"), ("Canada", "Ottawa"), ("Mexico", "Mexico City"),
    ("Brazil", "Brasilia"), ("Argentina", "Buenos Aires"), ("Chile", "Santiago"), ("Peru", "Lima"),
    ("Colombia", "Bogota"), ("Australia", "Canberra"), ("New Zealand", "Wellington"), ("Turkey", "Ankara"),
    ("Iran", "Tehran"), ("Iraq", "Baghdad"), ("Cuba", "Havana"), ("Uruguay", "Montevideo"),
    ("Venezuela", "Caracas"), ("Bolivia", "La Paz"), ("Ecuador", "Quito"), ("Paraguay", "Asuncion"),
    ("Jordan", "Amman"), ("Syria", "Damascus"), ("Lebanon", "Beirut"), ("Nepal", "Kathmandu"),
    ("Mongolia", "Ulaanbaatar"),
]

ELEMENTS = [
    ("hydrogen", "H"), ("helium", "He"), ("lithium", "Li"), ("beryllium", "Be"), ("boron", "B"), ("carbon", "C"),
    ("nitrogen", "N"), ("oxygen", "O"), ("fluorine", "F"), ("neon", "Ne"), ("sodium", "Na"), ("magnesium", "Mg"),
    ("aluminium", "Al"), ("silicon", "Si"), ("phosphorus", "P"), ("sulfur", "S"), ("chlorine", "Cl"),
    ("argon", "Ar"), ("potassium", "K"), ("calcium", "Ca"), ("scandium", "Sc"), ("titanium", "Ti"),
    ("vanadium", "V"), ("chromium", "Cr"), ("manganese", "Mn"), ("iron", "Fe"), ("cobalt", "Co"),
    ("nickel", "Ni"), ("copper", "Cu"), ("zinc", "Zn"), ("gallium", "Ga"), ("germanium", "Ge"),
    ("arsenic", "As"), ("selenium", "Se"), ("bromine", "Br"), ("krypton", "Kr"), ("rubidium", "Rb"),
    ("strontium", "Sr"), ("yttrium", "Y"), ("zirconium", "Zr"), ("niobium", "Nb"), ("molybdenum", "Mo"),
    ("ruthenium", "Ru"), ("rhodium", "Rh"), ("palladium", "Pd"), ("silver", "Ag"), ("cadmium", "Cd"),
    ("indium", "In"), ("tin", "Sn"), ("antimony", "Sb"), ("tellurium", "Te"), ("iodine", "I"), ("xenon", "Xe"),
    ("caesium", "Cs"), ("barium", "Ba"), ("tungsten", "W"), ("platinum", "Pt"), ("gold", "Au"),
    ("mercury", "Hg"), ("lead", "Pb"), ("uranium", "U"), ("radon", "Rn"), ("bismuth", "Bi"),
]

UNITS = [  # (big unit, small unit, factor)
    ("meters", "centimeters", 100), ("kilometers", "meters", 1000), ("hours", "minutes", 60),
    ("minutes", "seconds", 60), ("kilograms", "grams", 1000), ("days", "hours", 24), ("liters", "milliliters", 1000),
    ("weeks", "days", 7), ("feet", "inches", 12), ("yards", "feet", 3),
]


def arithmetic(rng, seen):
    while True:
        op = rng.choice("+-*")
        a, b = rng.randint(2, 60), rng.randint(2, 40)
        if op == "-" and b > a:
            a, b = b, a
        q = f"What is {a} {op} {b}?"
        if q in seen:
            continue
        seen.add(q)
        right = eval(f"{a}{op}{b}")
        wrong = set()
        while len(wrong) < 3:
            w = right + rng.choice([-10, -2, -1, 1, 2, 3, 10, 11])
            if w != right and w >= 0:
                wrong.add(w)
        return q, str(right), [str(w) for w in wrong]


def pick_from(pairs, template, answer_of, pool_of):
    def make(rng, seen):
        while True:
            item = rng.choice(pairs)
            q = template(item)
            if q in seen:
                continue
            seen.add(q)
            right = answer_of(item)
            pool = sorted({pool_of(p) for p in pairs if pool_of(p) != right})
            return q, right, rng.sample(pool, 3)
    return make


def conversion(rng, seen):
    while True:
        big, small, f = rng.choice(UNITS)
        n = rng.randint(2, 12)
        q = f"How many {small} are there in {n} {big}?"
        if q in seen:
            continue
        seen.add(q)
        right = n * f
        wrong = {right + f, right - f, right * 10, n * (f + 1) if f > 10 else right + 2 * f}
        wrong.discard(right)
        wrong = sorted(w for w in wrong if w > 0)[:3]
        return q, str(right), [str(w) for w in wrong]


SUBJECTS = {
    "conceptual_physics": conversion,
    "elementary_mathematics": arithmetic,
    "high_school_chemistry": pick_from(ELEMENTS, lambda e: f"What is the chemical symbol of {e[0]}?",
                                       lambda e: e[1], lambda e: e[1]),
    "high_school_geography": pick_from(CAPITALS, lambda c: f"What is the capital city of {c[0]}?",
                                       lambda c: c[1], lambda c: c[1]),
}


def rows(rng, make, n, seen):
    out = []
    for _ in range(n):
        q, right, wrong = make(rng, seen)
        letter = rng.choice("ABCD")
        choices = list(wrong)
        rng.shuffle(choices)
        choices.insert("ABCD".index(letter), right)
        out.append([q] + choices + [letter])
    return out


def main(out_dir):
    for split in ("dev", "val", "test"):
        os.makedirs(os.path.join(out_dir, split), exist_ok=True)
    for i, (subject, make) in enumerate(sorted(SUBJECTS.items())):
        rng = random.Random(1000 + i)
        seen = set()
        for split, n in (("dev", DEV), ("val", VAL), ("test", TEST)):
            path = os.path.join(out_dir, split, f"{subject}_{split}.csv")
            with open(path, "w", newline="", encoding="utf-8") as fh:
                csv.writer(fh, lineterminator="\n").writerows(rows(rng, make, n, seen))


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "mmlu-mini"))
