"""`lint` findings on the seed dataset and on small hand-made suites."""

from harness.suite.lint import lint_suite
from tests.paths import SEED_SUITE

SUITE = 'name = "t"\nitems = "items/*.toml"\n[[systems]]\nname = "l"\nbackend = "lead"\n[lint]\nmin_words = 5\n'
ARTICLE = "The mayor of Eastport opened a new library on Monday. It has 40,000 books."


def item(checklist: str = "", article: str = ARTICLE, ref: str = "Eastport's mayor opened a library.") -> str:
    return f'id = "i"\narticle = """{article}"""\nreferences = ["""{ref}"""]\n' + checklist


def test_seed_duplicates_are_named_with_paragraph_numbers():
    result = lint_suite(SEED_SUITE)
    assert [f.message for f in result.errors] == [
        "item 'putin-moscow-talks': duplicated paragraphs: paragraphs 8-13 repeat paragraphs 2-7 — "
        "remove the repeats (`sumbench run` drops them unless --keep-duplicates)"]
    assert result.errors[0].file.endswith("putin-moscow-talks.toml")
    assert result.errors[0].line == 3  # the article_file line


def test_clean_dataset_has_no_findings(write, tmp_path):
    write("ds/suite.toml", SUITE)
    write("ds/items/a.toml", item("[[checklist]]\nid = \"c\"\nclaim = \"Library opened.\"\npatterns = ['library']\n"))
    result = lint_suite(tmp_path / "ds")
    assert result.findings == [] and result.n_items == 1


def test_claims_checked_against_reference(write, tmp_path):
    checklist = ("[[checklist]]\nid = \"books\"\nclaim = \"40,000 books.\"\npatterns = ['40,?000']\n"
                 "[[checklist]]\nid = \"closed\"\nkind = \"forbidden\"\nclaim = \"Closed.\"\npatterns = ['mayor']\n"
                 "[[checklist]]\nid = \"empty\"\nclaim = \"Anything.\"\npatterns = ['x*']\n"
                 "[[checklist]]\nid = \"judge-only\"\nclaim = \"Needs a judge.\"\n")
    write("ds/suite.toml", SUITE)
    path = write("ds/items/a.toml", item(checklist))
    result = lint_suite(tmp_path / "ds")
    by_claim = {f.message.split("'")[3]: f for f in result.findings}
    assert by_claim["books"].level == "error" and "not supported by any reference" in by_claim["books"].message
    assert by_claim["books"].line == 4
    assert by_claim["closed"].level == "error" and "matches the reference" in by_claim["closed"].message
    assert by_claim["closed"].line == 8
    assert by_claim["empty"].level == "error" and "empty string" in by_claim["empty"].message
    assert by_claim["judge-only"].level == "warning"
    assert all(f.file == str(path) for f in result.findings)


def test_empty_short_and_load_failures(write, tmp_path):
    write("ds/suite.toml", SUITE)
    write("ds/items/a.toml", item(article=" "))
    write("ds/items/b.toml", item(article="Too short.").replace('id = "i"', 'id = "j"'))
    write("ds/items/c.toml", 'id = "k"\narticle = "x"\n')  # no references: cannot load
    result = lint_suite(tmp_path / "ds")
    msgs = [(f.level, f.message) for f in result.findings]
    assert ("error", "item 'i': article is empty — give the article text") in msgs
    assert any(lvl == "warning" and "very short (2 words" in m for lvl, m in msgs)
    assert result.load_failures == 1
    assert any("references" in m for _, m in msgs)


def test_reference_in_a_script_rouge_drops_is_a_warning(write, tmp_path):
    """rouge-score keeps only a-z0-9: an Arabic or Japanese reference scores ROUGE 0 for any summary."""
    write("ds/suite.toml", SUITE)
    art = "مرحبا بالعالم. هذا مقال عن المحادثات في موسكو. انتهت المحادثات بدون اتفاق."
    write("ds/items/ar.toml", f'id = "ar"\narticle = "{art}"\nreferences = ["انتهت المحادثات في موسكو بدون اتفاق."]\n')
    write("ds/items/fr.toml", 'id = "fr"\narticle = "Le président a parlé à Paris. Les négociations continuent."\n'
                              'references = ["Le président a parlé à Paris."]\n')
    warned = [f for f in lint_suite(tmp_path / "ds").warnings if "ROUGE drops" in f.message]
    assert [(f.file.endswith("ar.toml"), f.line) for f in warned] == [(True, 3)]


def test_an_absurd_max_tokens_is_a_warning_on_its_system_line(write, tmp_path):
    llm = ('[[systems]]\nname = "big"\nbackend = "openai"\nmodel = "m"\nbase_url = "http://127.0.0.1:9/v1"\n'
           "max_tokens = 100000\n")
    write("ds/suite.toml", SUITE.replace("[lint]", llm + "[lint]"))
    write("ds/items/a.toml", item())
    result = lint_suite(tmp_path / "ds")
    (w,) = [f for f in result.warnings if "max_tokens" in f.message]
    assert w.message.startswith("system 'big': max_tokens = 100000 is far more than a summary needs")
    assert w.line == 6 and not result.errors  # the [[systems]] table of "big"
