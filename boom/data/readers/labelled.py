"""Readers of labelled-text datasets: classification and clustering.

Labels are strings: the data's own label names where it has them (Banking77 categories, Emotion
and TweetSentimentExtraction names, TREC coarse classes, newsgroup names), and the datasets'
documented names where the files hold numeric codes (SST-2, AmazonCounterfactual, AG News):
the label is used as text by the training examples (bge style), so "0" / "1" would say nothing.
"""

from __future__ import annotations

import csv
import html
import io
import re
from pathlib import Path

from boom.data.forms import Labelled, LoadReport
from boom.data.manifest import DataError, checked_file


def _text(root: Path, dest: str, encoding: str = "utf-8") -> str:
    return checked_file(root, dest).read_bytes().decode(encoding)


def _csv_rows(root: Path, dest: str, header: list[str]) -> list[list[str]]:
    """A comma-separated file (RFC 4180 quoting; quoted fields may hold line breaks), its header
    checked and dropped."""
    rows = list(csv.reader(io.StringIO(_text(root, dest), newline="")))
    if not rows or rows[0] != header:
        raise DataError(f"{dest}: expected the header {','.join(header)}, found {rows[0] if rows else 'nothing'}")
    return rows[1:]


def _delimited_lines(root: Path, dest: str, sep: str, header: list[str] | None) -> list[str]:
    lines = _text(root, dest).splitlines()
    if header is not None:
        if not lines or lines[0].split(sep) != header:
            raise DataError(f"{dest}: expected the header {sep.join(header)!r}")
        lines = lines[1:]
    return lines


def _labelled_lines(report: LoadReport, split: str, lines: list[str], sep: str,
                    labels: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """`text<sep>label` lines, split on the LAST separator (texts may contain it). `labels` maps
    the raw label to its name and lists the only labels accepted."""
    out = []
    for line in lines:
        text, found, label = line.rpartition(sep)
        text, label = text.strip(), label.strip()
        if not found:
            report.skip(f"{split}: line without a {sep!r}-separated label")
        elif labels is not None and label not in labels:
            report.skip(f"{split}: line with an unknown label")
        elif not label:
            report.skip(f"{split}: line with an empty label")
        elif not text:
            report.skip(f"{split}: line with an empty text")
        else:
            out.append((text, labels[label] if labels is not None else label))
    return out


# --- Banking77 ----------------------------------------------------------------------------------

def read_banking77(root: Path, report: LoadReport) -> Labelled:
    """Banking77: CSV `text,category` with header (some quoted texts span lines; they are
    stripped). 77 intents. Splits: train, test (10,003 / 3,080)."""
    out = {}
    for split in ("train", "test"):
        out[split] = []
        for row in _csv_rows(root, f"banking77/{split}.csv", ["text", "category"]):
            if len(row) != 2 or not row[0].strip() or not row[1].strip():
                report.skip(f"{split}: row without a text and a category")
                continue
            out[split].append((row[0].strip(), row[1].strip()))
    return Labelled(out)


# --- Emotion ------------------------------------------------------------------------------------

_EMOTIONS = ("sadness", "joy", "love", "anger", "fear", "surprise")
_EMOTION_SPLITS = {"train": "train", "dev": "val", "test": "test"}


def read_emotion(root: Path, report: LoadReport) -> Labelled:
    """Emotion (dair-ai): `text;label_name` lines with a header, six emotions. Splits: train,
    dev (val.txt), test (16,000 / 2,000 / 2,000)."""
    out = {}
    for split, name in _EMOTION_SPLITS.items():
        lines = _delimited_lines(root, f"emotion/{name}.txt", ";", ["text", "label_name"])
        out[split] = _labelled_lines(report, split, lines, ";", {e: e for e in _EMOTIONS})
    return Labelled(out)


# --- TweetSentimentExtraction -------------------------------------------------------------------

_TWEET_TEST = "tweetsent/kaggle_test_rows.csv"
_TWEET_ALL = "tweetsent/kaggle_test_then_train_rows.csv"
_TWEET_HEADER = ["textID", "text", "sentiment"]
_SENTIMENTS = ("negative", "neutral", "positive")


def read_tweetsent(root: Path, report: LoadReport) -> Labelled:
    """TweetSentimentExtraction (Kaggle), CSV `textID,text,sentiment`. The upstream file names
    are swapped: kaggle_test_rows.csv holds the 3,534 TEST rows, kaggle_test_then_train_rows.csv
    the same 3,534 rows followed by the 27,480 TRAIN rows. Test = the first file; train = the
    second minus its first len(test) rows, which must equal the test file's rows (DataError if
    not). Rows with an empty text are dropped and counted (none in this mirror)."""
    test_rows = _csv_rows(root, _TWEET_TEST, _TWEET_HEADER)
    all_rows = _csv_rows(root, _TWEET_ALL, _TWEET_HEADER)
    if all_rows[: len(test_rows)] != test_rows:
        raise DataError(
            f"{_TWEET_ALL} does not start with the {len(test_rows)} rows of {_TWEET_TEST}: "
            "cannot tell its train rows apart"
        )
    out = {}
    for split, rows in (("train", all_rows[len(test_rows):]), ("test", test_rows)):
        out[split] = []
        for row in rows:
            if len(row) != 3:
                report.skip(f"{split}: row without exactly 3 columns")
            elif not row[1].strip():
                report.skip(f"{split}: row with an empty text")
            elif row[2].strip() not in _SENTIMENTS:
                report.skip(f"{split}: row with an unknown sentiment")
            else:
                out[split].append((row[1].strip(), row[2].strip()))
    return Labelled(out)


# --- AmazonCounterfactual (EN) ------------------------------------------------------------------

_AMAZONCF_SPLITS = {"train": "train", "dev": "valid", "test": "test"}
_COUNTERFACTUAL = {"0": "not-counterfactual", "1": "counterfactual"}  # mteb's label_text names


def read_amazoncf(root: Path, report: LoadReport) -> Labelled:
    """AmazonCounterfactual, English: `sentence<TAB>is_counterfactual` with a header (split on
    tabs; sentences contain quotes). Labels 0/1 are named "not-counterfactual" /
    "counterfactual". Splits: train, dev (EN_valid), test (4,018 / 335 / 670)."""
    out = {}
    for split, name in _AMAZONCF_SPLITS.items():
        lines = _delimited_lines(root, f"amazoncf/EN_{name}.tsv", "\t", ["sentence", "is_counterfactual"])
        out[split] = _labelled_lines(report, split, lines, "\t", _COUNTERFACTUAL)
    return Labelled(out)


# --- TREC question classification ---------------------------------------------------------------

_TREC_FILES = {"train": "trec/train_5500.label", "test": "trec/TREC_10.label"}
_TREC_COARSE = ("ABBR", "DESC", "ENTY", "HUM", "LOC", "NUM")
_TREC_LINE = re.compile(r"^([A-Z]+):(\S+) (.+)$")


def read_trec(root: Path, report: LoadReport) -> Labelled:
    """TREC (Li & Roth): `COARSE:fine question` lines; label = the coarse class (6). The files
    are ISO-8859-1, not UTF-8 (train_5500.label has one 0xF0 byte, in "sister\xf0city"): they
    are decoded as latin-1, explicitly, and the byte is kept as it is ("ð"). Splits: train
    (train_5500), test (TREC_10): 5,452 / 500."""
    out = {}
    for split, dest in _TREC_FILES.items():
        out[split] = []
        for line in _text(root, dest, "latin-1").splitlines():
            match = _TREC_LINE.match(line.strip())
            if match is None:
                report.skip(f"{split}: line not of the form COARSE:fine question")
            elif match.group(1) not in _TREC_COARSE:
                report.skip(f"{split}: line with an unknown coarse class")
            else:
                out[split].append((match.group(3).strip(), match.group(1)))
    return Labelled(out)


# --- SST-2 --------------------------------------------------------------------------------------

_SST2_SPLITS = ("train", "dev", "test")
_SENTIMENT_01 = {"0": "negative", "1": "positive"}  # GLUE SST-2's label names


def read_sst2(root: Path, report: LoadReport) -> Labelled:
    """SST-2: `sentence<TAB>label` lines, no header, lower-cased and tokenised; labels 0/1 are
    named "negative" / "positive" (GLUE). Splits: train, dev, test (67,349 / 872 / 1,821)."""
    out = {}
    for split in _SST2_SPLITS:
        lines = _delimited_lines(root, f"sst2/{split}", "\t", None)
        out[split] = _labelled_lines(report, split, lines, "\t", _SENTIMENT_01)
    return Labelled(out)


# --- AG News ------------------------------------------------------------------------------------

_AGNEWS = "agnews/test.csv"
_AGNEWS_CLASSES = {"1": "World", "2": "Sports", "3": "Business", "4": "Sci/Tech"}
# HTML entities whose "&" upstream turned into a space (" #39;", " quot;", " #151;"), and whole
# ones ("&lt;"): decoded with html.unescape (0x80-0x9f code points as windows-1252, per HTML5).
_AG_ENTITY = re.compile(r"[ &](#\d+|quot|amp|lt|gt|hellip);")


def _agnews_clean(text: str) -> str:
    r"""Undo AG News's escapes: "\$" is a dollar sign, any other backslash (single, or doubled)
    stands for a line break; entity remnants are decoded; whitespace is collapsed."""
    text = text.replace("\\$", "$")
    text = re.sub(r"\\+", " ", text)
    text = _AG_ENTITY.sub(lambda m: html.unescape(f"&{m.group(1)};"), text)
    return " ".join(text.split())


def read_agnews(root: Path, report: LoadReport) -> Labelled:
    """AG News test: CSV `label,title,description` with header; text = title + " " +
    description, unescaped (see _agnews_clean); labels 1-4 named World, Sports, Business,
    Sci/Tech. Split: test (7,600)."""
    out = []
    for row in _csv_rows(root, _AGNEWS, ["label", "title", "description"]):
        if len(row) != 3 or row[0] not in _AGNEWS_CLASSES:
            report.skip("test: row without a class 1-4, a title and a description")
            continue
        text = " ".join(t for t in (_agnews_clean(row[1]), _agnews_clean(row[2])) if t)
        if not text:
            report.skip("test: row with an empty title and description")
            continue
        out.append((text, _AGNEWS_CLASSES[row[0]]))
    return Labelled({"test": out})


# --- 20 Newsgroups (UCI mini) -------------------------------------------------------------------

# The mirror's 20ng_mini/<group>/<id> files (MANIFEST.tsv), listed here so that the READERS
# entry is static; a test checks this table against the manifest.
_20NG_IDS = {
    "alt.atheism": (
        "51121 51126 51127 51131 51139 51143 51146 51166 51170 51174 51186 51191 51195 51199 51203 "
        "51222 51223 51227 51251 51281 51305 51310 51313 51314 53061 53062 53123 53126 53150 53154 "
        "53188 53190 53211 53212 53222 53235 53249 53284 53291 53299 53303 53312 53334 53336 53351 "
        "53358 53369 53393 53399 53408 53410 53420 53427 53433 53458 53459 53474 53490 53509 53512 "
        "53518 53525 53538 53539 53542 53558 53564 53565 53574 53575 53590 53599 53603 53606 53607 "
        "53610 53623 53633 53653 53659 53670 53753 53759 53760 54137 54140 54144 54160 54170 54171 "
        "54201 54215 54222 54234 54237 54244 54250 54251 54254 54485 "
    ),
    "comp.graphics": (
        "37916 37921 37930 37936 37942 37944 37947 38220 38224 38244 38251 38264 38266 38271 38355 "
        "38369 38370 38375 38379 38380 38386 38402 38409 38421 38439 38454 38459 38464 38466 38470 "
        "38473 38489 38491 38518 38562 38571 38573 38577 38603 38606 38613 38622 38625 38628 38636 "
        "38670 38674 38683 38693 38699 38700 38704 38709 38750 38753 38755 38758 38761 38788 38835 "
        "38839 38843 38845 38846 38853 38856 38867 38880 38884 38893 38904 38907 38921 38925 38929 "
        "38936 38942 38965 38968 38980 38983 38998 39000 39008 39013 39017 39022 39027 39048 39049 "
        "39072 39078 39615 39620 39621 39659 39663 39664 39668 39675 "
    ),
    "comp.os.ms-windows.misc": (
        "9141 9151 9456 9479 9485 9486 9496 9499 9509 9512 9519 9538 9539 9567 9571 9586 9600 9622 "
        "9639 9645 9657 9667 9679 9697 9704 9706 9718 9725 9726 9737 9744 9750 9758 9776 9779 9790 "
        "9799 9803 9804 9814 9859 9881 9883 9902 9908 9911 9924 9933 9939 9942 9943 9970 9975 9994 "
        "9995 9997 10003 10005 10008 10015 10016 10023 10031 10041 10047 10076 10087 10090 10093 "
        "10094 10107 10114 10115 10125 10128 10139 10141 10142 10157 10158 10160 10167 10188 10692 "
        "10742 10781 10790 10791 10806 10812 10814 10830 10835 10838 10843 10848 10849 10850 10857 "
        "10942 "
    ),
    "comp.sys.ibm.pc.hardware": (
        "58829 58831 58922 58966 58983 58994 60134 60137 60150 60151 60154 60156 60159 60191 60199 "
        "60221 60232 60235 60271 60273 60278 60304 60369 60376 60377 60389 60393 60394 60404 60409 "
        "60411 60425 60439 60440 60453 60457 60474 60475 60481 60509 60514 60526 60543 60548 60551 "
        "60652 60656 60663 60684 60685 60691 60694 60695 60698 60699 60722 60724 60732 60735 60749 "
        "60766 60769 60828 60837 60838 60841 60842 60859 60882 60912 60928 60934 60945 60961 60982 "
        "60988 60992 60998 61003 61009 61019 61022 61026 61039 61044 61046 61060 61076 61090 61094 "
        "61098 61120 61130 61153 61154 61158 61164 61168 61173 61175 "
    ),
    "comp.sys.mac.hardware": (
        "50419 50439 50440 50457 50465 50473 50518 50533 50546 50551 51494 51501 51503 51509 51510 "
        "51514 51519 51522 51539 51565 51587 51595 51613 51626 51652 51661 51675 51678 51703 51707 "
        "51711 51720 51750 51751 51752 51763 51770 51782 51786 51790 51799 51805 51808 51809 51813 "
        "51832 51846 51847 51855 51867 51908 51928 51929 51943 51948 51950 51962 51963 51996 52010 "
        "52037 52039 52045 52050 52059 52065 52069 52071 52079 52081 52090 52094 52102 52113 52123 "
        "52149 52155 52156 52163 52175 52190 52214 52223 52231 52234 52238 52246 52248 52264 52269 "
        "52270 52276 52284 52296 52300 52312 52335 52342 52403 52404 "
    ),
    "comp.windows.x": (
        "64830 66400 66413 66420 66421 66427 66437 66438 66445 66453 66456 66465 66467 66889 66893 "
        "66905 66911 66918 66931 66941 66943 66944 66950 66955 66964 66978 66980 66981 66986 66993 "
        "67016 67030 67036 67052 67055 67061 67063 67070 67078 67081 67116 67137 67140 67164 67170 "
        "67171 67172 67178 67185 67193 67212 67220 67260 67269 67270 67282 67284 67297 67305 67306 "
        "67319 67320 67343 67346 67378 67379 67380 67383 67386 67402 67417 67435 67448 67449 67467 "
        "67486 67491 67514 67516 67540 67542 67572 67973 67981 67983 67995 68002 68012 68019 68047 "
        "68110 68137 68174 68185 68228 68232 68237 68239 68243 68311 "
    ),
    "misc.forsale": (
        "70337 74731 74745 74755 74767 74794 74797 74801 74804 74817 74819 74820 75051 75853 75858 "
        "75862 75867 75891 75906 75916 75917 75936 75941 75942 75943 75964 75971 75974 75987 76006 "
        "76019 76022 76025 76027 76051 76062 76083 76090 76094 76117 76120 76133 76137 76138 76147 "
        "76166 76173 76197 76203 76213 76254 76257 76261 76279 76285 76287 76296 76297 76299 76300 "
        "76307 76333 76348 76353 76358 76378 76406 76417 76419 76420 76431 76441 76460 76478 76483 "
        "76485 76499 76505 76514 76555 76589 76592 76594 76607 76649 76704 76782 76785 76795 76814 "
        "76831 76847 76851 76879 76880 76927 76936 76937 76940 76945 "
    ),
    "rec.autos": (
        "101564 101577 101592 101597 101603 101609 101614 101624 101628 101629 101632 101633 101642 "
        "101643 101655 101656 101662 101668 101674 101675 102732 102733 102742 102768 102791 102808 "
        "102852 102855 102872 102888 102897 102899 102906 102914 102978 102981 102983 102998 103002 "
        "103012 103028 103037 103044 103057 103061 103062 103077 103091 103099 103112 103113 103117 "
        "103129 103141 103184 103191 103209 103213 103231 103234 103238 103264 103280 103297 103298 "
        "103310 103312 103330 103333 103334 103344 103345 103346 103374 103382 103416 103417 103421 "
        "103424 103434 103440 103445 103497 103503 103510 103663 103667 103680 103689 103698 103704 "
        "103714 103723 103728 103734 103740 103758 103771 103777 103806 "
    ),
    "rec.motorcycles": (
        "103129 103140 103143 103166 103175 103180 103195 103197 103203 103212 103239 103553 104158 "
        "104292 104297 104302 104323 104329 104354 104382 104385 104387 104390 104397 104430 104450 "
        "104454 104473 104485 104507 104508 104509 104517 104523 104534 104575 104586 104592 104596 "
        "104613 104616 104628 104633 104639 104643 104655 104658 104688 104699 104703 104709 104723 "
        "104752 104757 104786 104787 104788 104804 104805 104811 104830 104840 104846 104857 104863 "
        "104874 104890 104892 104896 104911 104944 104948 104956 104960 104974 105098 105101 105117 "
        "105118 105129 105133 105135 105140 105150 105153 105154 105159 105205 105207 105217 105220 "
        "105223 105238 105243 105249 105252 105254 105257 105661 105662 "
    ),
    "rec.sport.baseball": (
        "102590 102605 102606 102612 102622 102625 102631 102641 102649 102655 102663 102670 102674 "
        "102695 102737 103587 104073 104325 104329 104342 104352 104360 104367 104376 104377 104385 "
        "104394 104396 104399 104402 104414 104417 104460 104468 104474 104478 104482 104483 104506 "
        "104507 104530 104533 104548 104551 104563 104582 104586 104595 104603 104609 104615 104619 "
        "104641 104645 104646 104659 104665 104682 104684 104749 104752 104758 104763 104765 104780 "
        "104782 104783 104791 104793 104806 104849 104862 104863 104869 104895 104897 104899 104903 "
        "104916 104927 104942 104957 104963 104966 104972 104973 104977 104984 105034 105048 105070 "
        "105075 105093 105102 105104 105111 105114 105122 105123 105163 "
    ),
    "rec.sport.hockey": (
        "52550 52555 52561 52569 52587 52589 52599 52600 52616 52618 52624 52628 52648 52658 52661 "
        "52667 52669 53540 53545 53561 53563 53578 53599 53600 53625 53634 53661 53682 53685 53692 "
        "53697 53759 53769 53778 53783 53786 53793 53808 53810 53814 53818 53829 53840 53848 53862 "
        "53863 53881 53884 53909 53912 53955 53961 53972 54000 54002 54008 54012 54013 54019 54030 "
        "54052 54054 54055 54062 54064 54074 54079 54080 54089 54097 54114 54136 54167 54180 54206 "
        "54230 54239 54291 54292 54297 54304 54365 54478 54507 54512 54548 54549 54709 54714 54715 "
        "54721 54724 54737 54739 54745 54754 54765 54771 54776 54780 "
    ),
    "sci.crypt": (
        "14989 15169 15186 15191 15214 15215 15225 15248 15262 15267 15279 15283 15287 15296 15299 "
        "15311 15322 15323 15324 15345 15371 15374 15385 15387 15388 15397 15400 15404 15406 15413 "
        "15423 15429 15431 15465 15482 15518 15522 15525 15549 15550 15556 15563 15566 15570 15586 "
        "15592 15604 15609 15647 15648 15677 15680 15688 15699 15702 15714 15724 15727 15736 15738 "
        "15744 15746 15748 15755 15759 15783 15786 15793 15800 15805 15806 15827 15829 15837 15851 "
        "15861 15868 15876 15894 15895 15914 15919 15924 15953 15955 15962 15967 15996 16013 16026 "
        "16029 16036 16039 16043 16068 16085 16088 16117 16121 16135 "
    ),
    "sci.electronics": (
        "52464 52758 52766 52792 52794 52817 52820 52822 52830 53508 53511 53521 53529 53569 53574 "
        "53584 53589 53640 53641 53653 53655 53664 53669 53675 53676 53683 53692 53706 53708 53712 "
        "53741 53742 53750 53769 53772 53777 53804 53808 53812 53818 53820 53824 53829 53837 53839 "
        "53850 53865 53868 53871 53872 53891 53892 53909 53911 53913 53915 53918 53921 53935 53938 "
        "53971 53976 53986 54010 54041 54042 54057 54066 54069 54090 54092 54096 54111 54114 54115 "
        "54122 54132 54140 54143 54147 54157 54160 54165 54175 54176 54212 54224 54244 54248 54255 "
        "54265 54302 54305 54306 54310 54325 54337 54353 54489 54490 "
    ),
    "sci.med": (
        "58061 58070 58072 58116 58118 58153 58786 58791 58807 58811 58826 58840 58842 58852 58863 "
        "58867 58875 58893 58903 58915 58931 58947 58951 58952 58961 58988 58994 59001 59002 59004 "
        "59012 59026 59031 59044 59058 59076 59078 59092 59093 59111 59121 59133 59154 59161 59165 "
        "59167 59171 59183 59192 59197 59205 59206 59212 59216 59218 59222 59232 59233 59261 59271 "
        "59284 59287 59311 59324 59345 59351 59361 59366 59368 59371 59376 59383 59384 59393 59395 "
        "59412 59413 59418 59421 59422 59424 59434 59435 59456 59458 59460 59477 59478 59480 59497 "
        "59559 59575 59579 59583 59584 59624 59627 59632 59633 59652 "
    ),
    "sci.space": (
        "59848 59904 60154 60171 60181 60191 60222 60229 60237 60243 60794 60804 60821 60822 60827 "
        "60834 60840 60843 60913 60925 60929 60937 60941 60942 60944 60946 60950 60960 60962 60972 "
        "60976 60993 60995 61009 61017 61027 61038 61046 61051 61057 61066 61087 61106 61118 61136 "
        "61145 61154 61160 61165 61171 61180 61187 61189 61191 61192 61205 61208 61215 61224 61230 "
        "61236 61253 61256 61262 61265 61271 61272 61276 61277 61293 61316 61318 61324 61335 61344 "
        "61352 61353 61362 61363 61371 61401 61404 61431 61440 61450 61455 61459 61461 61484 61505 "
        "61532 61534 61546 61558 62319 62398 62408 62428 62477 62480 "
    ),
    "soc.religion.christian": (
        "20491 20503 20506 20511 20540 20554 20571 20602 20603 20621 20626 20629 20634 20637 20657 "
        "20664 20674 20689 20710 20719 20724 20736 20738 20742 20743 20744 20767 20774 20779 20798 "
        "20799 20800 20801 20811 20812 20850 20866 20867 20886 20890 20896 20898 20899 20900 20914 "
        "20936 20947 20952 20960 20965 20976 21319 21329 21334 21339 21342 21373 21382 21396 21407 "
        "21418 21419 21451 21453 21481 21493 21505 21522 21524 21529 21531 21535 21544 21558 21559 "
        "21578 21580 21585 21597 21618 21621 21648 21658 21663 21672 21696 21698 21699 21702 21708 "
        "21709 21754 21761 21773 21777 21784 21788 21799 21800 21804 "
    ),
    "talk.politics.guns": (
        "53302 53304 53325 53328 53329 53348 53358 53369 53373 54117 54138 54152 54154 54164 54169 "
        "54196 54200 54211 54230 54238 54239 54243 54248 54276 54279 54297 54302 54303 54312 54322 "
        "54323 54342 54357 54395 54402 54404 54416 54417 54429 54433 54446 54447 54449 54450 54452 "
        "54469 54479 54518 54535 54538 54560 54570 54586 54590 54591 54592 54611 54616 54624 54626 "
        "54630 54633 54634 54637 54659 54660 54675 54697 54698 54714 54715 54726 54728 54748 54843 "
        "54860 54861 54875 54877 54956 55036 55060 55063 55068 55073 55080 55106 55115 55116 55123 "
        "55231 55239 55249 55260 55264 55278 55468 55470 55484 55489 "
    ),
    "talk.politics.mideast": (
        "75369 75388 75394 75396 75875 75895 75901 75910 75913 75916 75917 75918 75920 75929 75938 "
        "75942 75943 75952 75956 75963 75966 75972 75976 75979 75982 76014 76020 76047 76062 76068 "
        "76073 76080 76082 76105 76113 76120 76121 76152 76154 76160 76166 76179 76197 76205 76213 "
        "76222 76233 76242 76249 76271 76277 76284 76285 76320 76322 76369 76372 76374 76389 76395 "
        "76398 76401 76403 76410 76416 76424 76435 76444 76456 76458 76495 76498 76500 76501 76504 "
        "76508 76516 76517 76542 76544 76548 76557 77177 77203 77212 77218 77232 77235 77250 77272 "
        "77275 77288 77305 77322 77332 77383 77387 77392 77813 77815 "
    ),
    "talk.politics.misc": (
        "176869 176878 176881 176884 176886 176895 176904 176916 176926 176930 176951 176956 176982 "
        "176983 176984 176986 176988 177008 178301 178309 178318 178327 178337 178341 178349 178360 "
        "178361 178368 178382 178390 178433 178447 178451 178455 178481 178487 178489 178517 178522 "
        "178527 178532 178556 178560 178564 178566 178569 178571 178579 178606 178610 178622 178631 "
        "178654 178656 178661 178668 178678 178682 178699 178718 178721 178731 178738 178745 178751 "
        "178765 178769 178775 178788 178789 178792 178793 178799 178801 178813 178824 178837 178851 "
        "178862 178865 178870 178887 178906 178907 178924 178927 178939 178945 178960 178965 178993 "
        "178994 178997 178998 179018 179066 179067 179070 179095 179097 "
    ),
    "talk.religion.misc": (
        "82758 82764 82796 82799 82804 82812 83435 83437 83474 83480 83518 83535 83548 83558 83563 "
        "83564 83567 83571 83574 83575 83599 83601 83618 83641 83645 83673 83678 83682 83683 83717 "
        "83719 83730 83732 83742 83748 83750 83751 83763 83771 83773 83775 83780 83785 83788 83790 "
        "83791 83796 83797 83798 83807 83817 83827 83829 83843 83861 83862 83866 83898 83900 83919 "
        "83977 83979 83981 83983 84053 84060 84068 84083 84103 84115 84120 84152 84164 84178 84194 "
        "84195 84212 84244 84251 84255 84278 84290 84293 84302 84309 84316 84317 84324 84345 84350 "
        "84351 84355 84356 84359 84398 84400 84413 84436 84510 84567 "
    ),
}


_SUBJECT = re.compile(r"^Subject:[ \t]*(.*(?:\n[ \t].*)*)", re.M | re.I)  # with folded lines
_BLANK_LINE = re.compile(r"\n[ \t]*\n")  # empty or whitespace-only


def _20ng_dests() -> tuple[str, ...]:
    return tuple(f"20ng_mini/{g}/{i}" for g, ids in _20NG_IDS.items() for i in sorted(ids.split(), key=int))


def _20ng_post(raw: bytes) -> tuple[str, str]:
    """(subject, body) of a post: the header is everything before the first blank line (empty
    or whitespace-only: rec.autos/103298 has a header block, a line of spaces, then its body)."""
    text = raw.decode("latin-1").replace("\r\n", "\n")
    header, body = (_BLANK_LINE.split(text, maxsplit=1) + [""])[:2]
    subject = _SUBJECT.search(header)
    return (" ".join(subject.group(1).split()) if subject else ""), " ".join(body.split())


def read_20ng_mini(root: Path, report: LoadReport) -> Labelled:
    """20 Newsgroups, UCI mini version: 100 posts per group, 20 groups, mail headers included.
    Split per group, deterministically: ids sorted numerically, the first 50 -> train, the last
    50 -> test. Text = the Subject header's value, then the body (everything after the first
    blank line), whitespace collapsed; the other headers are dropped. Posts with an empty body
    are dropped and counted. Some files are not valid UTF-8 (old 8-bit mail): every file is read
    as bytes and decoded as latin-1, which never fails and keeps ASCII as it is. Label = the
    group name. 2,000 posts; the order is group (alphabetical), then id."""
    out = {"train": [], "test": []}
    for group, ids in _20NG_IDS.items():
        ordered = sorted(ids.split(), key=int)
        if len(ordered) != 100:
            raise DataError(f"20ng_mini/{group}: expected 100 posts, the table lists {len(ordered)}")
        for n, post_id in enumerate(ordered):
            split = "train" if n < 50 else "test"
            subject, body = _20ng_post(checked_file(root, f"20ng_mini/{group}/{post_id}").read_bytes())
            if not body:
                report.skip(f"{split}: post with an empty body")
                continue
            out[split].append((f"{subject} {body}" if subject else body, group))
    return Labelled(out)


READERS = {
    "banking77": (read_banking77, ("banking77/train.csv", "banking77/test.csv")),
    "emotion": (read_emotion, tuple(f"emotion/{n}.txt" for n in _EMOTION_SPLITS.values())),
    "tweetsent": (read_tweetsent, (_TWEET_TEST, _TWEET_ALL)),
    "amazoncf": (read_amazoncf, tuple(f"amazoncf/EN_{n}.tsv" for n in _AMAZONCF_SPLITS.values())),
    "trec": (read_trec, tuple(_TREC_FILES.values())),
    "sst2": (read_sst2, tuple(f"sst2/{s}" for s in _SST2_SPLITS)),
    "agnews": (read_agnews, (_AGNEWS,)),
    "20ng_mini": (read_20ng_mini, _20ng_dests()),
}
