"""Issue 14 classes 1, 2 and 4: a document is its location and its bytes, never its display path;
files gone from a folder are marked removed; a changed extractor extracts again.

Store-level cases run on SQLite and PostgreSQL (the ``target`` fixture of test_store); the command
cases run ``chanjia`` in this process on both too.
"""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect, text

from chanjia_nlp import cli as cli_module
from chanjia_nlp import runner
from chanjia_nlp.cli import cli
from chanjia_nlp.errors import ChanjiaError, ConfigError
from chanjia_nlp.store import migrations

from .test_store import CORPUS, _as_version_1, _pg_target, corpus, db, target  # noqa: F401 - fixtures

REPORT_A = CORPUS / "02_district_summary_2022.txt"
REPORT_B = CORPUS / "03_breakdown_qizhong.txt"


def _doc(doc: dict, path: str) -> dict:
    return {**doc, "path": path}


# -- the store ----------------------------------------------------------------------------------


def test_same_display_path_at_two_locations_is_two_documents(db, corpus):
    (a, a_records), (b, b_records) = corpus[1], corpus[2]
    run = db.begin_run()
    assert db.write_document(_doc(a, "年度总结.txt"), a_records, run, location="/r/惠山/年度总结.txt") == "inserted"
    assert db.write_document(_doc(b, "年度总结.txt"), b_records, run, location="/r/江都/年度总结.txt") == "inserted"
    claims = sum(r["type"] == "quantity" and r["claim"] for r in (*a_records, *b_records))
    assert db.stats()["claims"] == claims and db.stats()["documents"]["ok"] == 2
    assert sorted(db.document_states()) == ["/r/惠山/年度总结.txt", "/r/江都/年度总结.txt"]


@pytest.mark.parametrize("order", ["original first", "copy first"])
def test_identical_copies_are_one_document_with_two_locations(db, corpus, order):
    doc, records = corpus[1]
    run = db.begin_run()
    places = [("总结.txt", "/r/总结.txt"), ("总结(1).txt", "/r/总结(1).txt")]
    if order == "copy first":
        places.reverse()
    outcomes = [db.write_document(_doc(doc, shown), records, run, location=where) for shown, where in places]
    assert outcomes == ["inserted", "duplicate"]
    claims = sum(r["type"] == "quantity" and r["claim"] for r in records)
    assert db.stats()["claims"] == claims  # counted once
    assert db.stats()["duplicates"] == 1 and db.stats()["documents"]["ok"] == 1
    assert len(db.claims()) == claims
    listed = db.documents()
    assert list(listed["path"]) == [places[0][0]] and list(listed["duplicates"]) == [[places[1][0]]]
    assert [d["path"] for d in db.duplicates()] == [places[1][0]]
    assert db.duplicates()[0]["original_path"] == places[0][0]
    assert sum(r["type"] == "document" for r in db.records()) == 1
    # the same bytes written again at the copy: still a duplicate, nothing changes
    assert db.write_document(_doc(doc, places[1][0]), records, db.begin_run(), location=places[1][1]) == "unchanged"


def test_removed_files_leave_claims_and_prune_drops_them(db, corpus):
    (a, a_records), (b, b_records) = corpus[1], corpus[2]
    first = db.begin_run()
    db.write_document(_doc(a, "x/a.txt"), a_records, first, location="/r/x/a.txt")
    db.write_document(_doc(b, "y/b.txt"), b_records, first, location="/r/y/b.txt")
    again = db.begin_run()
    # a run over /r/x that found nothing: a.txt is gone; /r/y was not walked, b.txt stays
    assert db.mark_removed(again, ["/r/x"], seen=[]) == [("x/a.txt", "/r/x/a.txt")]
    assert db.stats()["documents"]["ok"] == 1 and db.stats()["removed"] == 1
    assert set(db.claims()["path"]) == {"y/b.txt"}
    [old] = db.history("x/a.txt")
    assert old["removed"] is True and old["superseded_by"] == again
    # an unreadable folder protects what is under it; a prefix that is no folder of it does not match
    assert db.mark_removed(db.begin_run(), ["/r/y"], seen=[], keep_under=["/r/y"]) == []
    assert db.mark_removed(db.begin_run(), ["/r/y/b"], seen=[]) == []
    assert db.remove(db.begin_run(), ["/r/y/b.txt/"], paths=["y/b.txt"]) == [("y/b.txt", "/r/y/b.txt")]  # by display path
    assert db.prune() == 2
    assert db.history("x/a.txt") == [] and db.stats()["removed"] == 0 and db.stats()["quantities"] == 0


def test_remove_by_a_display_path_two_files_share_is_refused(db, corpus):
    (a, a_records), (b, b_records) = corpus[1], corpus[2]
    run = db.begin_run()
    db.write_document(_doc(a, "年度总结.txt"), a_records, run, location="/r/惠山/年度总结.txt")
    db.write_document(_doc(b, "年度总结.txt"), b_records, run, location="/r/江都/年度总结.txt")
    with pytest.raises(ConfigError, match="display path of several files"):
        db.remove(db.begin_run(), ["/cwd/年度总结.txt"], paths=["年度总结.txt"])
    assert db.stats()["documents"]["ok"] == 2
    assert db.remove(db.begin_run(), ["/r/江都"]) == [("年度总结.txt", "/r/江都/年度总结.txt")]  # a folder


def test_a_duplicate_whose_original_changes_is_orphaned(db, corpus):
    (doc, records), (other, other_records) = corpus[1], corpus[2]
    run = db.begin_run()
    db.write_document(_doc(doc, "a.txt"), records, run, location="/r/a.txt")
    assert db.write_document(_doc(doc, "b.txt"), records, run, location="/r/b.txt") == "duplicate"
    assert db.write_document(_doc(other, "a.txt"), other_records, db.begin_run(), location="/r/a.txt") == "replaced"
    assert db.orphaned_duplicates() == ["/r/b.txt"]
    assert db.write_document(_doc(doc, "b.txt"), records, db.begin_run(), location="/r/b.txt") == "replaced"
    assert db.stats()["documents"]["ok"] == 2 and db.stats()["duplicates"] == 0


def test_a_duplicate_whose_original_is_removed_is_orphaned(db, corpus):
    doc, records = corpus[1]
    run = db.begin_run()
    db.write_document(_doc(doc, "a.txt"), records, run, location="/r/a.txt")
    db.write_document(_doc(doc, "b.txt"), records, run, location="/r/b.txt")
    assert db.orphaned_duplicates() == []
    db.mark_removed(db.begin_run(), ["/r"], seen=["/r/b.txt"])
    assert db.orphaned_duplicates() == ["/r/b.txt"]
    assert db.write_document(_doc(doc, "b.txt"), records, db.begin_run(), location="/r/b.txt") == "replaced"
    assert db.orphaned_duplicates() == [] and db.stats()["documents"]["ok"] == 1


def _ledger_finding(n: int, file: str) -> dict:
    return {
        "finding_id": f"f{file}{n}", "check": "ledger", "verdict": "consistent", "message": "m", "evidence": [],
        "ledger": {"file": file, "sheet": None, "row": n, "column": "完成情况"},
    }


def test_checking_a_revised_ledger_replaces_its_findings(db):
    db.write_findings([_ledger_finding(n, "台账.csv") for n in range(3)] + [_ledger_finding(9, "other.csv")])
    assert db.write_findings([_ledger_finding(7, "台账.csv")], replace_ledgers=["台账.csv"]) == 1
    assert sorted(f["finding_id"] for f in db.findings()) == ["fother.csv9", "f台账.csv7"]
    # a revised ledger with nothing left to find leaves none of its old findings
    assert db.write_findings([], replace_ledgers=["台账.csv"]) == 0
    assert [f["finding_id"] for f in db.findings()] == ["fother.csv9"]


def test_migration_6_from_version_5_keeps_the_documents(target, corpus):
    _as_version_1(target, corpus, keep=5)
    with target.open() as opened:
        with opened.engine.connect() as conn:
            assert migrations.current_version(conn, schema=target.schema) == migrations.newest_version()  # 6 and after
        indexes = {i["name"] for i in inspect(opened.engine).get_indexes("documents", schema=target.schema)}
        assert "ux_documents_current_location" in indexes and "ux_documents_current_path" not in indexes
        doc, records = corpus[0]
        [state] = opened.document_states().values()
        assert (state.location, state.path, state.doc_id) == (doc["path"], doc["path"], doc["doc_id"])
        assert sum(r["type"] == "document" for r in opened.records()) == 1
        # the next run over the file (at its resolved location) takes the old version over
        assert opened.write_document(doc, records, opened.begin_run(), location="/new/place/" + doc["path"]) == "replaced"
        assert len(opened.document_states()) == 1
        with opened.engine.connect() as conn:
            if target.schema:
                conn.exec_driver_sql(f'SET search_path TO "{target.schema}"')
            assert conn.execute(text("SELECT count(*) FROM documents WHERE location IS NULL")).scalar() == 0


# -- the commands -------------------------------------------------------------------------------


def _run(*args: str) -> tuple[int, str]:
    """``chanjia ARGS`` in this process: the exit code and standard error (a library error as
    :func:`chanjia_nlp.cli.main` prints it, one line, exit code 2)."""
    done = CliRunner().invoke(cli, list(args))
    if isinstance(done.exception, ChanjiaError):
        return 2, done.stderr + f"Error: {done.exception}\n"
    assert done.exception is None or isinstance(done.exception, SystemExit), done.exception
    return done.exit_code, done.stderr


def _db_args(target) -> list[str]:
    return ["--db", target.url, *(["--schema", target.schema] if target.schema else [])]


def _stats(target) -> dict:
    with target.open() as opened:
        return opened.stats()


def test_extract_two_folders_with_the_same_file_name(target, tmp_path):
    for area, report in (("惠山", REPORT_A), ("江都", REPORT_B)):
        (tmp_path / area).mkdir()
        shutil.copy(report, tmp_path / area / "年度总结.txt")
    _run("extract", str(tmp_path / "惠山"), *_db_args(target), "-q")
    alone = _stats(target)["claims"]
    code, err = _run("extract", str(tmp_path / "江都"), *_db_args(target), "-q")
    assert code == 0 and "removed" not in err
    both = _stats(target)
    assert both["documents"]["ok"] == 2 and both["claims"] > alone > 0  # 惠山's claims did not vanish


def test_nested_arguments_store_each_file_once(target, tmp_path):
    big = tmp_path / "big"
    for rel, report in (("g0/a.txt", REPORT_A), ("g1/b.txt", REPORT_B)):
        (big / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(report, big / rel)
    _run("extract", str(big), *_db_args(target), "-q")
    before = _stats(target)
    code, err = _run("extract", str(big / "g0"), *_db_args(target))
    assert code == 0 and "(nothing written)" in err  # g0/a.txt is known at its location
    assert _stats(target)["claims"] == before["claims"] and _stats(target)["documents"]["ok"] == 2
    # --root: display paths relative to it, and the root is stored with the run
    _run("extract", str(big / "g1"), "--root", str(big), "--force", *_db_args(target), "-q")
    with target.open() as opened:
        assert sorted(opened.documents()["path"]) == ["g0/a.txt", "g1/b.txt"]
        assert opened.runs()["root"].iloc[-1] == str(big.resolve())
    code, err = _run("extract", str(big), "--root", str(tmp_path / "nowhere"), *_db_args(target))
    assert code != 0 and "--root" in err and "Traceback" not in err


def test_identical_copies_are_reported_and_counted_once(target, tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    for name in ("总结.txt", "总结(1).txt", "总结(2).txt"):
        shutil.copy(REPORT_A, folder / name)
    code, err = _run("extract", str(folder), *_db_args(target))
    assert code == 0
    assert err.count("is a duplicate submission of 总结(1).txt") == 2, err  # sorted: 总结(1).txt comes first
    once = _stats(target)
    assert once["documents"]["ok"] == 1 and once["duplicates"] == 2
    # the original deleted: a copy becomes the document, nothing is lost
    (folder / "总结(1).txt").unlink()
    code, err = _run("extract", str(folder), *_db_args(target))
    assert code == 0 and "removed: " in err
    after = _stats(target)
    assert (after["documents"]["ok"], after["duplicates"], after["claims"]) == (1, 1, once["claims"])


def test_deleted_file_is_marked_removed_then_pruned(target, tmp_path):
    folder = tmp_path / "reports"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(REPORT_A, folder / "a.txt")
    shutil.copy(REPORT_B, folder / "sub" / "b.txt")
    _run("extract", str(folder), *_db_args(target), "-q")
    b_claims = _stats(target)["claims"]
    (folder / "a.txt").unlink()
    code, err = _run("extract", str(folder), *_db_args(target))
    assert code == 0 and f"removed: {folder / 'a.txt'} is gone from its folder" in err
    gone = _stats(target)
    assert gone["documents"]["ok"] == 1 and gone["removed"] == 1 and 0 < gone["claims"] < b_claims
    code, err = _run("remove", str(folder / "sub" / "b.txt"), *_db_args(target))
    assert code == 0 and _stats(target)["documents"]["ok"] == 0 and _stats(target)["claims"] == 0
    code, err = _run("remove", str(folder / "sub" / "b.txt"), *_db_args(target))
    assert code != 0 and "no current document" in err  # one line, no traceback
    code, err = _run("prune", *_db_args(target))
    assert code == 0 and "2 removed document versions deleted" in err and _stats(target)["removed"] == 0


def test_rechecking_a_revised_ledger_replaces_its_findings(target, tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(REPORT_A, folder / "a.txt")
    _run("extract", str(folder), *_db_args(target), "-q")
    header = "序号,单位名称,指标,计量单位,统计期间,完成情况,口径,佐证材料,备注\n"
    ledger = tmp_path / "台账.csv"
    ledger.write_text(header + "1,惠山区总工会,新增高技能人才,人,2022年,1200,新增,,\n"
                      "2,惠山区总工会,职工培训人次,人次,2022年,45000,全年,,\n", encoding="utf-8")
    _run("check", str(ledger), *_db_args(target))
    with target.open() as opened:
        first = [f for f in opened.findings(check="ledger")]
    assert len(first) >= 2
    ledger.write_text(header + "1,惠山区总工会,新增高技能人才,人,2022年,1300,新增,,\n", encoding="utf-8")
    _run("check", str(ledger), *_db_args(target))
    with target.open() as opened:
        second = [f for f in opened.findings(check="ledger")]
    assert {f["ledger"]["row"] for f in first} == {2, 3}  # spreadsheet rows: the header is row 1
    assert {f["ledger"]["row"] for f in second} == {2} and 1 <= len(second) < len(first)
    assert "1,300" in " ".join(f["message"] for f in second)  # the revised figure


# -- the extractor version ----------------------------------------------------------------------


def test_the_version_carries_a_digest_of_lexicons_and_model(tmp_path):
    assert runner.VERSION.startswith(f"{runner.__version__}+lex.") and runner.VERSION == runner.extractor_version()
    (tmp_path / "lex").mkdir()
    (tmp_path / "lex" / "units.tsv").write_text("人\tcount\n", encoding="utf-8")
    before = runner.folders_digest([tmp_path / "lex"])
    assert runner.folders_digest([tmp_path / "lex"]) == before
    (tmp_path / "lex" / "units.tsv").write_text("人\tcount\n名\tcount\n", encoding="utf-8")
    changed = runner.folders_digest([tmp_path / "lex"])
    (tmp_path / "lex" / "units.tsv").rename(tmp_path / "lex" / "other.tsv")
    renamed = runner.folders_digest([tmp_path / "lex"])
    assert len({before, changed, renamed}) == 3


def test_a_changed_extractor_extracts_again_and_says_so(target, tmp_path, monkeypatch):
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(REPORT_A, folder / "a.txt")
    _run("extract", str(folder), *_db_args(target), "-q")
    code, err = _run("extract", str(folder), *_db_args(target))
    assert "note:" not in err and "(nothing written)" in err
    newer = f"{runner.__version__}+lex.0123456789ab"
    monkeypatch.setattr(runner, "VERSION", newer)
    monkeypatch.setattr(cli_module, "VERSION", newer)
    code, err = _run("extract", str(folder), *_db_args(target))
    notes = [line for line in err.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and "1 stored documents were extracted by another extractor" in notes[0]
    assert "1 replaced" in err
    with target.open() as opened:
        assert set(opened.documents()["extractor_version"]) == {newer}
