"""The book's own conventions (DESIGN §5), checked on every notebook of _toc.yml."""

import json
import math
import re

import pytest
import yaml
from book_toc import ROOT, load, notebooks, toc_files

SETUP_CELL = (ROOT / "tests" / "setup_cell.py").read_text().rstrip("\n")
NOTEBOOKS = notebooks()
IDS = [p.stem for p in NOTEBOOKS]
# A path that only exists on one machine: /home/..., /root/..., /Users/..., C:\...
ABSOLUTE_PATH = re.compile(
    r"(?<![\w.:/])(/(home|root|Users|tmp|work|mnt|opt|content)/[\w.-]+|[A-Z]:\\\\?\w)"
)
MAX_OUTPUT_BYTES = 1_000_000


def code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def text_outputs(cell):
    for out in cell.get("outputs", []):
        if out["output_type"] == "stream":
            yield "".join(out["text"])
        elif out["output_type"] == "error":
            yield "\n".join(out.get("traceback", []))
        else:
            text = out.get("data", {}).get("text/plain", "")
            yield "".join(text) if isinstance(text, list) else text


def test_the_toc_lists_existing_files_and_every_chapter():
    for f in toc_files():
        assert (ROOT / f"{f}.ipynb").exists() or (ROOT / f"{f}.md").exists(), (
            f"_toc.yml lists missing {f}"
        )
    chapters = {p.name for p in (ROOT / "book").glob("[0-9][0-9]_*.ipynb")}
    listed = {p.name for p in NOTEBOOKS}
    assert chapters <= listed, (
        f"chapter notebooks missing from _toc.yml: {sorted(chapters - listed)}"
    )
    assert NOTEBOOKS, "no notebooks in _toc.yml"


def test_course_map_matches_the_toc():
    published = json.loads((ROOT / "book" / "_static" / "course_map.json").read_text())["published"]
    numbers = sorted(int(p.name[:2]) for p in NOTEBOOKS if p.name[:2].isdigit())
    assert published == numbers, "run: python book/figures/course_map.py"


def test_repository_url_is_the_same_in_config_and_setup_cell():
    url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    assert f'REPO_URL = "{url}"' in SETUP_CELL
    assert "genai-from-scratch" in url.rstrip("/").split("/")[-1]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_executed_without_errors(path):
    for i, cell in enumerate(code_cells(load(path))):
        if not source(cell).strip():
            continue
        assert cell.get("execution_count") is not None, f"{path.name}: code cell {i} never executed"
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"{path.name}: code cell {i} has an error output"
            assert not (
                out["output_type"] == "stream"
                and out["name"] == "stderr"
                and "Traceback" in "".join(out["text"])
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_starts_with_the_shared_setup_cell(path):
    first = code_cells(load(path))[0]
    assert source(first) == SETUP_CELL, (
        f"{path.name}: the first code cell must be tests/setup_cell.py, verbatim"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_has_objectives_and_exercises_with_solutions(path):
    nb = load(path)
    markdown = "\n".join(source(c) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert source(nb["cells"][0]).startswith("# "), "the first cell is the chapter title"
    assert (
        "What you will learn" in markdown and "Prerequisites" in markdown and "Run time" in markdown
    )
    assert re.search(r"^## Exercises", markdown, re.M), "an '## Exercises' section"
    exercises = re.findall(r"\{exercise\}\s*\n:label: ([\w-]+)", markdown)
    solutions = re.findall(r"\{solution\} ([\w-]+)", markdown)
    assert len(exercises) >= 3, "at least three exercises"
    assert set(exercises) == set(solutions), "every exercise has a solution"
    assert ":class: dropdown" in markdown, "solutions are hidden by default"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_has_no_absolute_paths_and_no_huge_outputs(path):
    for i, cell in enumerate(load(path)["cells"]):
        for text in [source(cell), *(text_outputs(cell) if cell["cell_type"] == "code" else [])]:
            match = ABSOLUTE_PATH.search(text)
            assert match is None, f"{path.name}: cell {i} has an absolute path {match.group(0)!r}"
        for out in cell.get("outputs", []):
            size = len(json.dumps(out))
            assert size < MAX_OUTPUT_BYTES, (
                f"{path.name}: cell {i} has a {size / 1e6:.1f} MB output"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_markdown_has_no_control_characters(path):
    r"""A "\a" typed into a normal Python string becomes a BEL character: "$\approx$" turns
    into "$<BEL>pprox$". Markdown may hold newlines and tabs, no other character below 0x20."""
    for i, cell in enumerate(load(path)["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        bad = sorted({f"0x{ord(ch):02x}" for ch in source(cell) if ord(ch) < 0x20
                      and ch not in "\n\t"})
        assert not bad, f"{path.name}: markdown cell {i} has control characters {bad}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_never_imports_code(path):
    for cell in code_cells(load(path)):
        assert not re.search(r"^\s*(import code\b|from code\b)", source(cell), re.M)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_glued_names_are_all_defined(path):
    nb = load(path)
    markdown = "\n".join(source(c) for c in nb["cells"] if c["cell_type"] == "markdown")
    code = "\n".join(source(c) for c in code_cells(nb))
    used = set(re.findall(r"\{glue:\w+\}`([\w-]+)", markdown))
    defined = set(re.findall(r"glue\(\s*[\"']([\w-]+)", code))
    assert used <= defined, f"{path.name}: glued but never computed: {sorted(used - defined)}"


def glued_values(nb) -> dict[str, float]:
    """The numbers a notebook glued, as stored in its outputs (already rounded by genlab.book.glue)."""
    values = {}
    for cell in code_cells(nb):
        for out in cell.get("outputs", []):
            name = out.get("metadata", {}).get("scrapbook", {}).get("name")
            data = out.get("data", {})
            text = "".join(data.get("application/papermill.record/text/plain", data.get("text/plain", "")))
            if name and re.fullmatch(r"-?[\d.]+(e-?\d+)?", text):
                values[name] = float(text)
    return values


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_glued_numbers_keep_every_digit_the_text_shows(path):
    """glue(name, x, digits=N) keeps N significant digits; a text format such as ":.2f" must not
    show more, or the page prints a rounded number padded with zeros (64.30 for 64.34)."""
    nb = load(path)
    code = "\n".join(source(c) for c in code_cells(nb))
    digits = {name: int(n) if n else 6 for name, n in
              re.findall(r"glue\(\s*[\"']([\w-]+)[\"'][^\n]*?(?:digits=(\d+))?\)\s*$", code, re.M)}
    values = glued_values(nb)
    markdown = "\n".join(source(c) for c in nb["cells"] if c["cell_type"] == "markdown")
    short = []
    for name, decimals in re.findall(r"\{glue:text\}`([\w-]+):[,]?\.(\d+)[f%]`", markdown):
        value = values.get(name)
        if value is None or value == 0 or name not in digits:
            continue
        shown = int(decimals) + math.floor(math.log10(abs(value))) + 1  # significant digits shown
        if shown > digits[name]:
            short.append(f"{name} (digits={digits[name]}, shown {shown})")
    assert not short, f"{path.name}: glued with fewer digits than the text shows: {sorted(set(short))}"


def test_package_has_no_star_imports_and_documents_every_module():
    for module in sorted((ROOT / "code" / "genlab").rglob("*.py")):
        text = module.read_text()
        assert not re.search(r"^\s*from\s+\S+\s+import\s+\*", text, re.M), (
            f"star import in {module.name}"
        )
        assert text.lstrip().startswith('"""'), (
            f"{module.relative_to(ROOT)} needs a module docstring"
        )
