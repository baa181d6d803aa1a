"""`chainrule gradcheck --mutants`: the bug zoo's table and its exit status."""
from chainrule import cli
from layers import relu
from gradcheck import bugzoo


def test_cli_prints_the_mutant_table(monkeypatch, capsys):
    few = {name: bugzoo.MUTANTS[name] for name in ("affine_dx_sign", "fanout_keeps_last")}
    monkeypatch.setattr(bugzoo, "MUTANTS", few)
    assert cli.main(["gradcheck", "--mutants"]) == 0
    out = capsys.readouterr().out
    assert "affine_dx_sign" in out and "affine2.x" in out and "fan-out at relu1" in out
    assert "2 of 2 mutants caught and localized" in out


def test_cli_fails_when_a_mutant_escapes(monkeypatch, capsys):
    escaped = bugzoo.Mutant("not_a_bug", "nothing is wrong", "dense", (relu, relu), "relu1", "x")
    monkeypatch.setattr(bugzoo, "MUTANTS", {"not_a_bug": escaped})
    assert cli.main(["gradcheck", "--mutants"]) == 1
    assert "0 of 1 mutants" in capsys.readouterr().out
