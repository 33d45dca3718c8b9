"""The action walk of the hidden-content check only walks objects whose serialisation hints at an
action: every spelling and hiding place of an action must still be reported."""
import re
from pathlib import Path

import pikepdf
import pytest
from fpdf import FPDF

from woo.privacy.hidden import ACTION_HINT, all_dictionaries, inspect_hidden


def _base(path: Path) -> Path:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.cell(0, 10, "Besluit op uw Woo-verzoek")
    pdf.output(str(path))
    return path


def _actions(path: Path) -> list[str]:
    return [d for d in inspect_hidden(path, "pdf") if "actie" in d]


def _save(pdf: pikepdf.Pdf, path: Path) -> Path:
    # Object streams: the actions are compressed in the file, not visible in its raw bytes.
    pdf.save(path, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return path


def _utf16(text: str) -> pikepdf.String:
    return pikepdf.String(b"\xfe\xff" + text.encode("utf-16-be"))


# Each builder hides one action somewhere in a page; the label expected in the report.
def _direct_annotation_action(pdf):
    # Annots array, annotation and its /A all direct: only the page object itself is indirect.
    pdf.pages[0].obj.Annots = pikepdf.Array([pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[0, 0, 10, 10],
        A=pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)")))])
    return "JavaScript"


def _js_without_kind_deep_in_a_font(pdf):
    font = next(iter(pdf.pages[0].obj.Resources.Font.values()))
    nested = pikepdf.Dictionary(JS=pikepdf.String("this.print()"))
    for _ in range(40):
        nested = pikepdf.Array([1, pikepdf.Name.X, pikepdf.Dictionary(Kids=nested)])
    font.Extra = nested
    return "JavaScript"


def _kind_behind_a_reference(pdf):
    pdf.pages[0].obj.AA = pikepdf.Dictionary(O=pikepdf.Dictionary(S=pdf.make_indirect(pikepdf.Name.Launch),
                                                                    F=pikepdf.String("cmd.exe")))
    return "programma starten (Launch)"


def _kind_as_utf16_string(pdf):
    pdf.pages[0].obj.AA = pikepdf.Dictionary(C=pikepdf.Dictionary(S=_utf16("/SubmitForm")))
    return "formulier verzenden"


def _outline_action(pdf):
    item = pdf.make_indirect(pikepdf.Dictionary(Title=pikepdf.String("Inhoud"),
                                                A=pikepdf.Dictionary(S=pikepdf.Name.GoToR, F=pikepdf.String("x.pdf"))))
    pdf.Root.Outlines = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Outlines, First=item, Last=item))
    item.Parent = pdf.Root.Outlines
    return "verwijzing naar ander bestand"


@pytest.mark.parametrize("hide", [_direct_annotation_action, _js_without_kind_deep_in_a_font,
                                  _kind_behind_a_reference, _kind_as_utf16_string, _outline_action])
def test_hidden_actions_are_found(tmp_path, hide):
    with pikepdf.open(_base(tmp_path / "base.pdf")) as pdf:
        label = hide(pdf)
        out = _save(pdf, tmp_path / "a.pdf")
    assert f"PDF bevat actie: {label}" in _actions(out)


def test_escaped_names_in_the_file_are_found(tmp_path):
    """`/Java#53cript` and `/J#53` are the same names as /JavaScript and /JS once parsed."""
    with pikepdf.open(_base(tmp_path / "base.pdf")) as pdf:
        pdf.pages[0].obj.AA = pikepdf.Dictionary(O=pikepdf.Dictionary(S=pikepdf.Name("/Sxxxxxxxxx"),
                                                                        XX=pikepdf.String("app.alert(2)")))
        pdf.save(tmp_path / "plain.pdf", object_stream_mode=pikepdf.ObjectStreamMode.disable,
                 compress_streams=False)
    raw = (tmp_path / "plain.pdf").read_bytes()
    assert b"/Sxxxxxxxxx" in raw and b"/XX" in raw
    # Same lengths, so the cross-reference table stays right.
    raw = raw.replace(b"/S /Sxxxxxxxxx", b"/S /Java#53cript").replace(b"/XX (", b"/J#53 (")
    (tmp_path / "escaped.pdf").write_bytes(raw)
    assert b"/JavaScript" not in raw
    assert "PDF bevat actie: JavaScript" in _actions(tmp_path / "escaped.pdf")


def test_walk_terminates_on_cycles_and_finds_the_action_inside(tmp_path):
    with pikepdf.open(_base(tmp_path / "base.pdf")) as pdf:
        a = pdf.make_indirect(pikepdf.Dictionary(Name=pikepdf.Name.A))
        b = pdf.make_indirect(pikepdf.Dictionary(Next=a, A=pikepdf.Dictionary(S=pikepdf.Name.ImportData)))
        a.Next = b
        a.Self = a
        pdf.Root.Loop = a
        out = _save(pdf, tmp_path / "cycle.pdf")
    assert "PDF bevat actie: gegevens importeren" in _actions(out)


def test_hint_only_drops_objects_without_actions(tmp_path):
    """Every dictionary the full walk reports as an action is also in the hinted walk."""
    with pikepdf.open(_base(tmp_path / "base.pdf")) as pdf:
        for hide in (_direct_annotation_action, _outline_action, _kind_as_utf16_string):
            hide(pdf)
        pdf.Root.Note = pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.P))  # a structure type, no action
        full = [d.unparse(resolved=True) for d in all_dictionaries(pdf) if "/JS" in d or "/S" in d]
        hinted = [d.unparse(resolved=True) for d in all_dictionaries(pdf, ACTION_HINT)]
    actions = [u for u in full if re.search(rb"/JS|/S /(?:JavaScript|GoToR)|/S <feff", u)]
    assert len(actions) == 3
    assert all(u in hinted for u in actions)
    assert b"<< /S /P >>" in full and b"<< /S /P >>" not in hinted
