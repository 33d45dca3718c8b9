"""Safe expansion of ZIP uploads: what comes out is only what should, or nothing at all."""
import zipfile

import pytest

from tests import factories as f
from woo.intake.archives import iter_zip_members
from woo.intake.identify import RejectedFile


def _expand(path, **limits):
    out = {}
    for name, tmp in iter_zip_members(path, **limits):
        out[name] = tmp.read_bytes()
    return out


def test_regular_members_come_out_intact(tmp_path):
    pdf = f.make_pdf(tmp_path / "src" / "besluit.pdf", ["Woo-besluit"]).read_bytes()
    path = f.make_zip(tmp_path / "bundel.zip", {"besluit.pdf": pdf, "bijlagen/lijst.txt": b"nr;titel\n1;brief\n",
                                                "bijlagen/": b""})
    got = _expand(path)
    assert got == {"besluit.pdf": pdf, "bijlagen/lijst.txt": b"nr;titel\n1;brief\n"}


def test_temp_files_are_removed_after_use(tmp_path):
    path = f.make_zip(tmp_path / "bundel.zip", {"a.txt": b"a", "b.txt": b"b"})
    seen = [tmp for _, tmp in iter_zip_members(path)]
    assert seen and not any(p.exists() for p in seen)


@pytest.mark.parametrize("member", ["../buiten.txt", "map/../../buiten.txt", "/etc/cron.d/x", "C:/Windows/x.txt",
                                    "map\\..\\x.txt"])
def test_traversal_and_absolute_members_are_refused(tmp_path, member):
    path = f.make_zip(tmp_path / "kwaad.zip", {"goed.txt": b"ok", member: b"kwaad"})
    with pytest.raises(RejectedFile) as err:
        _expand(path)
    assert err.value.code == "zip_unsafe"
    assert not (tmp_path / "buiten.txt").exists()


def test_nothing_is_yielded_from_an_archive_with_one_bad_member(tmp_path):
    path = f.make_zip(tmp_path / "kwaad.zip", {"eerst.txt": b"ok", "../laatst.txt": b"x"})
    gen = iter_zip_members(path)
    with pytest.raises(RejectedFile):
        next(gen)


def test_symlink_member_is_refused(tmp_path):
    path = f.make_symlink_zip(tmp_path / "link.zip")
    with pytest.raises(RejectedFile) as err:
        _expand(path)
    assert err.value.code == "zip_unsafe"


def test_zip_bomb_by_ratio_is_refused(tmp_path):
    path = f.make_zip(tmp_path / "bom.zip", {"nullen.txt": b"\0" * (20 * 1024 * 1024)})
    with pytest.raises(RejectedFile) as err:
        _expand(path, max_ratio=100)
    assert err.value.code == "zip_unsafe"
    assert "bom" in err.value.reason


def test_total_size_limit(tmp_path):
    path = f.make_zip(tmp_path / "groot.zip", {f"{i}.bin": bytes(range(256)) * 400 for i in range(5)})
    with pytest.raises(RejectedFile):
        _expand(path, max_total_bytes=300_000)
    assert len(_expand(path, max_total_bytes=600_000)) == 5


def test_member_count_limit(tmp_path):
    path = f.make_zip(tmp_path / "veel.zip", {f"{i}.txt": b"x" for i in range(11)})
    with pytest.raises(RejectedFile):
        _expand(path, max_members=10)


def test_lying_size_header_is_caught_on_real_bytes(tmp_path):
    path = f.make_zip(tmp_path / "leugen.zip", {"a.txt": b"A" * 200_000})
    # Rewrite the declared uncompressed size in both headers to something small.
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.infolist()[0]
    real = info.file_size.to_bytes(4, "little")
    fake = (1000).to_bytes(4, "little")
    assert data.count(real) >= 2
    path.write_bytes(bytes(data).replace(real, fake))
    with pytest.raises(RejectedFile) as err:
        _expand(path)
    assert err.value.code == "zip_unsafe"


def test_not_a_zip(tmp_path):
    path = tmp_path / "nep.zip"
    path.write_bytes(b"dit is geen zip")
    with pytest.raises(RejectedFile) as err:
        _expand(path)
    assert err.value.code == "zip_unsafe"


# --------------------------------------------------------------------------- 7z (dossier import)

def _7z(path, members: dict, password: str | None = None):
    import py7zr

    with py7zr.SevenZipFile(path, "w", password=password) as z:
        if password:
            z.set_encrypted_header(True)
        for name, data in members.items():
            z.writestr(data, name)
    return path


def test_7z_members_come_out_intact_and_temp_files_go(tmp_path):
    from woo.intake.archives import is_7z, iter_archive_members

    archive = _7z(tmp_path / "stukken.7z", {"map/1001.pdf": b"%PDF-1.4 een", "1002.txt": b"twee" * 1000,
                                            "leeg.txt": b""})
    assert is_7z(archive)
    seen, paths = {}, []
    for name, path in iter_archive_members(archive, max_members=10):
        seen[name] = path.read_bytes()
        paths.append(path)
    assert seen == {"map/1001.pdf": b"%PDF-1.4 een", "1002.txt": b"twee" * 1000, "leeg.txt": b""}
    assert not any(p.exists() for p in paths)


def test_7z_bounds_and_defences(tmp_path):
    from woo.intake.archives import iter_archive_members

    bomb = _7z(tmp_path / "bom.7z", {"nul.bin": b"\0" * (50 * 1024 * 1024)})
    with pytest.raises(RejectedFile, match="zip-bom|groter"):
        list(iter_archive_members(bomb))
    with pytest.raises(RejectedFile, match="groter dan toegestaan"):
        list(iter_archive_members(_7z(tmp_path / "groot.7z", {"a.txt": b"x" * 5000}), max_total_bytes=1000))
    with pytest.raises(RejectedFile, match="meer dan 2 bestanden"):
        list(iter_archive_members(_7z(tmp_path / "veel.7z", {f"{n}.txt": b"x" for n in range(3)}), max_members=2))
    with pytest.raises(RejectedFile, match="versleuteld|beschadigd"):
        list(iter_archive_members(_7z(tmp_path / "geheim.7z", {"a.txt": b"geheim"}, password="wachtwoord")))
    damaged = tmp_path / "kapot.7z"
    damaged.write_bytes((tmp_path / "groot.7z").read_bytes()[:40])
    with pytest.raises(RejectedFile):
        list(iter_archive_members(damaged))
