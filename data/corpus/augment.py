#!/usr/bin/env python3
"""Regenerate data/corpus/masques.csv: hand-written rows + templated obfuscation variants.

Input : sources/masques_base.csv -- the 550 hand-written `msk-` rows, copied as is.
Output: masques.csv (same directory) -- those rows followed by the `aug-` rows.

The `aug-` rows come from BASES below: 70 clean sentences, each with one plain insult, slur
or threatening verb written between [brackets]. For every base sentence the generator picks
5 different obfuscation techniques (seeded RNG, SEED below) and rewrites only the bracketed
word with each of them, so each base yields 5 variants that differ by one disguised word.
Labels are those of the base plus `masked_slur`.

Running the script twice gives byte-identical output (fixed seed, fixed iteration order).
Usage: python3 augment.py   (no arguments; stdlib only)
"""
import csv
import os
import random
import re
import sys
import unicodedata
from collections import Counter

SEED = 20240917
VARIANTS_PER_BASE = 5
HERE = os.path.dirname(os.path.abspath(__file__))
BASE_CSV = os.path.join(HERE, "sources", "masques_base.csv")
OUT_CSV = os.path.join(HERE, "masques.csv")
HEADER = ["id", "text", "review", "reasons", "thread", "parent", "register"]

# --------------------------------------------------------------------------------------
# Base sentences: (reasons of the clean sentence, sentence with the target word in [ ]).
# Invented targets only. masked_slur is appended to the reasons of every variant.
# --------------------------------------------------------------------------------------
BASES = [
    ("insult", "Le conseiller municipal Dargelot est un [connard] fini, il a voté la fermeture de la crèche sans même venir à la séance."),
    ("insult", "Franchement t'es qu'un [abruti], l'article dit exactement l'inverse de ce que tu racontes."),
    ("insult", "Ce [crétin] de Hottelard a expulsé notre coach pour une remarque de rien du tout."),
    ("insult", "Solène Marthouret, quelle [connasse] hautaine, elle regarde les ouvriers de haut à chaque visite d'usine."),
    ("insult", "Les dirigeants du FC Vallombre sont des [enfoirés], ils ont doublé le prix des places pour les moins de 12 ans."),
    ("insult", "Ferrandou, ce [salaud], a supprimé la prime de fin d'année des agents de la Région."),
    ("insult", "Gaspard Morlaix est une [ordure], il a lâché les pompiers volontaires en pleine saison des feux."),
    ("insult", "Le gardien Corvelin, quel [tocard], il relâche tous les ballons dans les pieds des attaquants."),
    ("insult", "Toi t'es vraiment un [bouffon], tu changes d'avis selon le sens du vent."),
    ("insult", "Cette [pétasse] de Pellissard nous explique à la télé qu'on vit au-dessus de nos moyens."),
    ("insult", "Les élus du Mouvement Horizon Citoyen sont des [pourris] qui ne pensent qu'à leur réélection."),
    ("insult", "Sauvanet est une [merde] d'entraîneur, aucune idée de jeu depuis deux saisons."),
    ("insult", "Bertrand Quérelle, ce [fumier], a gelé le point d'indice des profs pour la troisième année."),
    ("insult", "La maire Vasseur-Dumas est une vraie [garce], elle a fait fermer la buvette du club de rugby."),
    ("insult", "Ce [bâtard] de Lebrisseau a célébré son but en face de notre tribune."),
    ("insult", "Le préfet Lanvergne est un [enculé] de technocrate qui n'a jamais mis les pieds dans une ferme."),
    ("insult", "Peyrebrune, ce [trouduc], a mis des caméras partout sauf là où il y a des problèmes."),
    ("insult", "Tu n'es qu'une [raclure], te moquer d'un gamin de dix ans qui rate un penalty."),
    ("insult", "Les chroniqueurs de la matinale sont des [larbins] qui lisent les fiches du ministère."),
    ("insult", "Belkador est un [débile] profond, deuxième carton rouge en trois matchs."),
    ("insult", "Ce [con] de Dargelot veut installer des parcmètres devant le cimetière."),
    ("insult", "Nadège Pellissard est une [pute] à micro, elle répète tout ce que son ministre lui souffle."),
    ("insult", "Les arbitres de ce championnat sont des [branleurs] qui ne courent même plus après le jeu."),
    ("insult", "Clémence Arbogast, cette [pouffiasse], a écrit un papier ridicule sur les bénévoles du téléthon."),
    ("insult", "Mais ferme [ta gueule] un peu, tu défends l'indéfendable depuis ce matin."),
    ("insult", "Morlaix, [fils de pute], tu as voté la suppression des bourses étudiantes."),
    ("insult", "Le président de l'AS Montlaurier est un [enfoiré] qui a vendu le centre d'entraînement à un promoteur."),
    ("insult", "Ferrandou est une [pourriture], il a fermé trois lycées professionnels en un an."),
    ("insult", "Ce [trou du cul] de Quérelle veut imposer le contrôle continu intégral au bac."),
    ("insult", "Les supporters du Stade Brévinois sont des [connards], ils ont craché sur nos joueuses à la sortie du bus."),
    ("insult", "T'es vraiment [con] ou tu le fais exprès ?"),
    ("insult", "Marthouret la [salope] vote pour les pesticides et mange bio dans les restos parisiens."),
    ("insult", "L'entraîneur de Vallombre est un [abruti] qui fait jouer des gamins blessés."),
    ("insult", "Le député Morlaix est un [bouffon] qui passe plus de temps sur les plateaux qu'à l'Assemblée."),
    ("insult", "Les élus de l'Union des Territoires Libres ? Des [enculés] qui ont bradé la forêt communale."),
    ("insult", "Hottelard, [crétin] ! Le hors-jeu était évident, même depuis le parking."),
    ("insult", "Vasseur-Dumas, cette [conne], a annulé le feu d'artifice pour faire des économies et a fait refaire son bureau."),
    ("insult", "Toi le [tocard] qui n'a jamais touché un ballon, arrête de critiquer les gamins du club."),
    ("insult", "Lanvergne est un [salaud] qui fait expulser des familles en plein hiver."),
    ("insult", "Les contrôleurs du tram sont des [fumiers], 60 euros d'amende à une mamie qui cherchait sa monnaie."),
    ("insult", "Le patron de Duclaux BTP est une [ordure] qui fait abattre les platanes du boulevard."),
    ("insult", "Lebrisseau c'est vraiment une [merde], il lâche le club la veille de la reprise."),
    ("insult", "Dargelot, cet [enfoiré], a fait passer la délibération en catimini pendant les vacances."),
    ("insult", "La porte-parole est une [connasse] qui méprise les smicards à chaque interview."),
    ("insult", "Les conseillers régionaux sont des [crétins] incapables de faire rouler un TER à l'heure."),
    ("insult", "Mais t'es [débile] ? Les chiffres sont dans l'article, deuxième tableau."),
    ("insult", "Sauvanet, [bâtard], rends-nous notre club et va entraîner ailleurs."),
    ("insult", "Peyrebrune est un [connard] arrogant qui ne répond jamais aux courriers des habitants."),
    ("insult", "Quérelle, ministre et [branleur] professionnel, vient de découvrir que les écoles manquent de profs."),
    ("insult", "Les eurocrates sont des [parasites] qui vivent grassement sur le dos des agriculteurs."),
    ("insult", "Corvelin est un [boulet], il a coûté la montée au club à lui tout seul."),
    ("insult", "Cette [raclure] de promoteur a laissé le chantier de la résidence à l'abandon depuis deux ans."),
    ("insult", "Pellissard, [conne] un jour, elle le restera toute sa vie."),
    ("insult", "Le maire de Brévin est une [merde] qui a vendu la colonie de vacances de la commune."),
    ("insult", "Les élus du Parti de l'Élan Républicain sont des [pourris] jusqu'à l'os."),
    ("insult", "Toi t'es un [enculé] de première, tu insultes les bénévoles du club sous chaque article."),
    ("hate", "Encore un [pédé] à la tête d'une association sportive, nos gamins vont voir ça tous les jours."),
    ("hate", "Les [négros] du quartier de la gare font la loi, faut tous les renvoyer chez eux."),
    ("hate", "Les [bougnoules] ont transformé le centre-ville en souk."),
    ("hate", "Les [youpins] ont encore la main sur la finance, rien de nouveau sous le soleil."),
    ("hate", "Une [gouine] comme capitaine de l'équipe féminine, quelle surprise."),
    ("hate", "Les [tarlouzes] de la marche des fiertés ont bloqué la ville tout l'après-midi."),
    ("hate", "Un [travelo] dans les vestiaires des filles ? Jamais de la vie."),
    ("hate", "Les femmes arbitres, toutes des [salopes] qui ont eu leur badge par piston."),
    ("hate", "Les [chinetoques] rachètent toutes les vignes du coin."),
    ("threat", "Je vais te [défoncer] la gueule si tu remets les pieds au stade."),
    ("threat", "Qu'il [crève] ce ministre, personne ne le regrettera."),
    ("threat", "On va te [buter] Hottelard, t'es prévenu."),
    ("threat", "Ce juge mériterait qu'on le [pende] sur la place du marché."),
    ("threat", "Toi je vais t'[éclater] la tête à la sortie du bar."),
]

# --------------------------------------------------------------------------------------
# Character tables
# --------------------------------------------------------------------------------------
VOWELS = set("aeiouyàâäéèêëîïôöùûü")
LEET = {  # letter -> look-alike digits / symbols
    "a": "@4", "à": "@4", "â": "@4", "e": "3€", "é": "3€", "è": "3€", "ê": "3",
    "i": "1!", "î": "1", "o": "0", "ô": "0", "s": "$5",
}
CYRILLIC = {  # Latin letter -> Cyrillic look-alike
    "a": "\u0430", "c": "\u0441", "e": "\u0435", "o": "\u043e", "p": "\u0440", "x": "\u0445",
    "y": "\u0443", "é": "\u0435\u0301", "A": "\u0410", "B": "\u0412", "C": "\u0421", "E": "\u0415",
    "H": "\u041d", "K": "\u041a", "M": "\u041c", "O": "\u041e", "P": "\u0420", "T": "\u0422",
    "X": "\u0425",
}
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff"]
SEPARATORS = [".", " ", "-", "+", "_"]
# (lower-case start, upper-case start, digit start or None, holes in the block)
STYLES = {
    "fullwidth": (0xFF41, 0xFF21, 0xFF10, {}),
    "math_bold": (0x1D41A, 0x1D400, 0x1D7CE, {}),
    "math_italic": (0x1D44E, 0x1D434, None, {"h": "\u210e"}),
    "math_bold_script": (0x1D4EA, 0x1D4D0, None, {}),
    "double_struck": (0x1D552, 0x1D538, 0x1D7D8, {"C": "\u2102", "H": "\u210d", "N": "\u2115",
                                                  "P": "\u2119", "Q": "\u211a", "R": "\u211d",
                                                  "Z": "\u2124"}),
    "sans_bold": (0x1D5EE, 0x1D5D4, 0x1D7EC, {}),
}
# Phonetic / SMS / verlan spellings, keyed by the lower-cased bracketed phrase.
PHONETIC = {
    "connard": ["konar", "konnard", "konard"], "connards": ["konards", "konnards"],
    "con": ["kon", "qon"], "conne": ["kone", "konne"], "connasse": ["konasse", "konnass"],
    "enculé": ["enkulé", "ankulé", "enkulai"], "enculés": ["enkulés", "ankulés"],
    "salope": ["salop", "salaupe"], "salopes": ["salaupes", "salops"],
    "bâtard": ["batar", "bâtar"], "pute": ["tepu", "putt"],
    "fils de pute": ["fdp", "f.d.p", "fils de pt", "f d p"], "ta gueule": ["tg", "ta gl", "t.g", "ta geule"],
    "pédé": ["pd", "p.d", "pédai"], "débile": ["débil", "débyle"], "crétin": ["krétin", "crétain"],
    "crétins": ["krétins"], "trou du cul": ["tdc", "trouduk", "trou du q"], "trouduc": ["trouduk", "tdc"],
    "enfoiré": ["enfouaré", "anfoiré"], "enfoirés": ["enfouarés", "anfoirés"],
    "bouffon": ["boufon", "bouphon"], "tocard": ["tocar", "tokar"], "pétasse": ["tasspé", "pétass"],
    "merde": ["merd", "meurde"], "salaud": ["salo", "salop"], "pourris": ["pouris", "pourits"],
    "pourriture": ["pouriture"], "ordure": ["ordur", "ordhure"], "raclure": ["raclur"],
    "pouffiasse": ["poufiasse", "poufiass"], "branleur": ["branleu", "branlor"],
    "branleurs": ["branleus", "branlors"], "négros": ["négrôs", "négraus"],
    "bougnoules": ["bougnouls", "bounioules"], "tarlouzes": ["tarlouz", "tarlouses"],
    "travelo": ["travlo", "travelot"], "crève": ["krève", "crèv"], "buter": ["butter", "butté"],
    "défoncer": ["défonsé", "défonssé"], "gouine": ["gouin", "gwine"], "youpins": ["youpinz", "youps"],
    "chinetoques": ["chintoks", "chinetok"], "abruti": ["abrouti", "abrutti"], "fumier": ["fumié"],
    "fumiers": ["fumiés"], "larbins": ["larbinz", "larbain"], "garce": ["garse"],
    "parasites": ["parazites"], "boulet": ["boulé"], "éclater": ["éklater", "éclaté"], "pende": ["pande"],
}


def _match_case(src, out):
    """Give `out` the case pattern of `src` (all caps, capitalised or lower)."""
    if src.isupper():
        return out.upper()
    if src[:1].isupper():
        return out[:1].upper() + out[1:]
    return out


def _core(phrase):
    """Index span (start, end) of the longest word of `phrase` (the last one on ties)."""
    best = (0, 0)
    for m in re.finditer(r"\w+", phrase):
        if m.end() - m.start() >= best[1] - best[0]:
            best = (m.start(), m.end())
    return best


def _on_core(fn):
    """Lift a word-level technique so that it rewrites only the longest word of a phrase."""
    def wrapped(phrase, rng):
        s, e = _core(phrase)
        return phrase[:s] + fn(phrase[s:e], rng) + phrase[e:]
    wrapped.__name__ = fn.__name__
    wrapped.__doc__ = fn.__doc__
    wrapped.word = fn  # the word-level function, used by mix() to stack two techniques
    return wrapped


def _interior(word):
    """Positions that are neither the first nor the last letter (all positions if len < 3)."""
    return list(range(1, len(word) - 1)) or list(range(len(word)))


# --------------------------------------------------------------------------------------
# Techniques: each takes the bracketed phrase and the RNG and returns its disguised form.
# --------------------------------------------------------------------------------------
@_on_core
def star_mask(word, rng):
    """`*`/`#` masks: 1-2 interior letters (vowels preferred) become `*` or `#` (m***e, c#nnard)."""
    mark = rng.choice("*#")
    pos = [i for i in _interior(word) if word[i].lower() in VOWELS] or _interior(word)
    k = 1 if len(word) <= 4 else rng.choice([1, 2])
    chosen = set(rng.sample(pos, min(k, len(pos))))
    return "".join(mark if i in chosen else c for i, c in enumerate(word))


@_on_core
def dot_mask(word, rng):
    """`..`/`__` masks: one interior letter becomes a run of 2-3 dots or underscores (m..de, c__nard)."""
    run = rng.choice(["..", "__", "..."])
    i = rng.choice(_interior(word))
    return word[:i] + run + word[i + 1:]


@_on_core
def leet(word, rng):
    """Digits and symbols: 1-2 letters swapped for look-alikes from LEET (c0nnard, b@tard, $alope)."""
    pos = [i for i, c in enumerate(word) if c.lower() in LEET]
    chosen = set(rng.sample(pos, min(rng.choice([1, 2]), len(pos))))
    return "".join(rng.choice(LEET[c.lower()]) if i in chosen else c for i, c in enumerate(word))


@_on_core
def separate(word, rng):
    """Separators: every letter split by the same `.`, space, `-`, `+` or `_` (e.n.c.u.l.é, s a l o p e)."""
    return rng.choice(SEPARATORS).join(word)


@_on_core
def repeat_letters(word, rng):
    """Repeated letters: one letter (vowel preferred) written 3 to 6 times (connnnnard, salooooope)."""
    pos = [i for i, c in enumerate(word) if c.lower() in VOWELS] or list(range(len(word)))
    i = rng.choice(pos)
    return word[:i] + word[i] * rng.randint(3, 6) + word[i + 1:]


def phonetic(phrase, rng):
    """Phonetic, SMS and verlan spellings from the PHONETIC table (enkulé, konar, fdp, tg)."""
    return _match_case(phrase, rng.choice(PHONETIC[phrase.lower()]))


@_on_core
def homoglyph(word, rng):
    """Homoglyphs: 1-3 Latin letters replaced by Cyrillic look-alikes (а е о с р х у)."""
    pos = [i for i, c in enumerate(word) if c in CYRILLIC]
    chosen = set(rng.sample(pos, min(rng.randint(1, 3), len(pos))))
    return "".join(CYRILLIC[c] if i in chosen else c for i, c in enumerate(word))


@_on_core
def zero_width(word, rng):
    """Invisible characters: 1-2 of U+200B/200C/200D/2060/00AD/FEFF inserted between letters."""
    gaps = list(range(1, len(word)))
    chosen = sorted(rng.sample(gaps, min(rng.choice([1, 2]), len(gaps))), reverse=True)
    for g in chosen:
        word = word[:g] + rng.choice(INVISIBLE) + word[g:]
    return word


def styled(phrase, rng):
    """Full-width or mathematical alphabets for the whole phrase; accents are dropped (ｃｏｎｎａｒｄ, 𝐜𝐨𝐧)."""
    lo, up, dg, holes = STYLES[rng.choice(sorted(STYLES))]
    out = []
    for ch in phrase:
        base = unicodedata.normalize("NFD", ch)[0]
        if base in holes:
            out.append(holes[base])
        elif "a" <= base <= "z":
            out.append(chr(lo + ord(base) - 97))
        elif "A" <= base <= "Z":
            out.append(chr(up + ord(base) - 65))
        elif dg is not None and "0" <= base <= "9":
            out.append(chr(dg + ord(base) - 48))
        else:
            out.append(ch)
    return "".join(out)


def mix(phrase, rng):
    """Two techniques stacked: digits then separators (c.0.n.n.@.r.d), `*` then digits, or digits then repeats."""
    first, second = rng.choice([(leet, separate), (star_mask, leet), (leet, repeat_letters)])
    s, e = _core(phrase)
    once = first.word(phrase[s:e], rng)
    twice = second.word(once, rng)
    if twice == once:  # e.g. no digit look-alike left after the `*`: split the letters instead
        twice = separate.word(once, rng)
    return phrase[:s] + twice + phrase[e:]


TECHNIQUES = {
    "star_mask": star_mask, "dot_mask": dot_mask, "leet": leet, "separate": separate,
    "repeat_letters": repeat_letters, "phonetic": phonetic, "homoglyph": homoglyph,
    "zero_width": zero_width, "styled": styled, "mix": mix,
}


def eligible(phrase):
    """Technique names that can rewrite `phrase` (phonetic needs a table entry)."""
    names = list(TECHNIQUES)
    if phrase.lower() not in PHONETIC:
        names.remove("phonetic")
    s, e = _core(phrase)
    if not any(c in CYRILLIC for c in phrase[s:e]):
        names.remove("homoglyph")
    return names


def variants(rng):
    """Yield (technique, reasons, text) for every base sentence, 5 per base, in BASES order."""
    for reasons, sentence in BASES:
        m = re.search(r"\[([^\]]+)\]", sentence)
        phrase = m.group(1)
        before, after = sentence[:m.start()], sentence[m.end():]
        seen = {phrase}
        names = eligible(phrase)
        picked = rng.sample(names, VARIANTS_PER_BASE)
        spare = [n for n in names if n not in picked]
        for name in picked:
            for _ in range(20):
                out = TECHNIQUES[name](phrase, rng)
                if out not in seen:
                    break
            else:  # the technique keeps producing a duplicate: use another one
                name = spare.pop(0)
                out = TECHNIQUES[name](phrase, rng)
            seen.add(out)
            yield name, reasons + "|masked_slur", before + out + after


def main():
    with open(BASE_CSV, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        if next(reader) != HEADER:
            sys.exit(f"{BASE_CSV}: unexpected header")
        base_rows = [row for row in reader if row]
    rng = random.Random(SEED)
    aug_rows, per_technique = [], Counter()
    known = {row[1] for row in base_rows}
    for n, (name, reasons, text) in enumerate(variants(rng), 1):
        if text in known:
            sys.exit(f"duplicate text generated: {text!r}")
        known.add(text)
        per_technique[name] += 1
        aug_rows.append([f"aug-{n:04d}", text, "true", reasons, "", "", "news"])
    with open(OUT_CSV, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER)
        w.writerows(base_rows)
        w.writerows(aug_rows)
    print(f"{OUT_CSV}: {len(base_rows)} hand-written + {len(aug_rows)} aug rows")
    for name in TECHNIQUES:
        print(f"  {name:15s} {per_technique[name]}")


if __name__ == "__main__":
    main()
