"""Help text as a user reads it: units in brackets kept, no ``<bool>`` on flags, every option explained."""

from __future__ import annotations

import pytest

from sselab.cli.main import COMMANDS, module_commands


def _walk(cmd, path: str):
    yield path, cmd
    if hasattr(cmd, "list_commands"):
        ctx = type(cmd).context_class(cmd)  # typer vendors its own click: use the command's classes
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            if sub is not None:
                yield from _walk(sub, f"{path} {name}")


def _all_commands():
    seen = {}
    for name, (module, _) in COMMANDS.items():
        for cname, cmd in module_commands(module).items():
            if cname == name:
                for path, c in _walk(cmd, cname):
                    seen[path] = c
    return seen


def test_units_in_brackets_survive_and_flags_show_no_type(cli):
    rc, out, _ = cli("xps", "fit", "--help")
    assert rc == 0 and "FWHM [eV]" in out and "<bool>" not in out


@pytest.mark.parametrize("path", sorted(_all_commands()))
def test_every_option_has_help(path):
    cmd = _all_commands()[path]
    missing = [p.opts[0] for p in cmd.params if p.param_type_name == "option" and not (p.help or "").strip()]
    assert missing == [], f"sselab {path}: options without help: {missing}"


def test_plot_path_checked_before_any_work(cli, tmp_path, shared_data):
    # a DRT takes seconds; a bad --plot name is refused at once, not after the work is lost
    rc, _, err = cli("eis", "drt", shared_data / "eis" / "exampleData.csv", "--plot", tmp_path / "x.jpgx")
    assert rc == 2 and "unknown figure format" in err
    rc, _, err = cli("xrd", "wh", shared_data / "xrd" / "TiO2.raw", "--plot", tmp_path / "no" / "x.png")
    assert rc == 2 and "does not exist" in err
