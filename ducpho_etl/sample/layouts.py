"""File layouts per source and the CSV/XLSX writers (they return the row numbers written)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .places import NEW_UNITS, OLD_UNITS, new_code, sheet_name

T1 = "UBND THỊ XÃ ĐỨC PHỔ"
T_CHXH = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"


@dataclass
class FileSpec:
    path: str
    fmt: str  # csv | xlsx
    columns: list[tuple[str, str]]  # (field, header); field "namnu" = the Nam | Nữ pair
    share: float
    encoding: str = "utf-8"  # csv: utf-8 utf-8-sig utf-8-nfd cp1258 tcvn3 vni
    legacy: str | None = None  # xlsx: text cells as the cp1252 reading of tcvn3/vni bytes
    delimiter: str = ","
    newline: str = "\r\n"
    titles: list[str] = field(default_factory=list)
    numbering: bool = False
    date_fmt: str = "dd/mm/yyyy"  # or d/m/yyyy dd-mm-yyyy dd.mm.yyyy yyyy-mm-dd excel
    year_only: bool = False
    gender_style: str = "Nam/Nữ"
    place_style: str = "old_full"
    new_places: bool = False
    numeric_rate: float = 0.0
    sheets: str = "single"  # single | per_commune | chunks2
    total: str | None = None  # tong_cong | cong_nguoi
    blank_rate: float = 0.003
    name_upper: bool = False
    empty_blank_lines: bool = False  # csv blank rows as truly empty lines (else ",,,,")
    footer: bool = False  # place/date line, signature labels and signers' names under the table
    repeat_header: bool = False  # the header row again inside the data (csv; xlsx: 2nd sheet)
    sheet2_bare: bool = False  # xlsx: sheets after the first start at the header (no titles)
    split_name: bool = False  # "Họ và tên" over two columns: family + middle | given (xlsx: merged)
    notes_column: bool = False  # a last column with no header, notes ("__note__") under it

    def has(self, f: str) -> bool:
        fields = self.__dict__.get("_fields")
        if fields is None:  # cached: called for every cell written
            fields = self.__dict__["_fields"] = frozenset(c for c, _ in self.columns)
        return f in fields

    @property
    def cmnd_slot(self) -> bool:
        return self.has("so_cmnd") or self.combined_id

    @property
    def combined_id(self) -> bool:
        return any(c == "so_dinh_danh" and "CMND" in h.upper() for c, h in self.columns)

    @property
    def unicode_text(self) -> bool:
        return (self.fmt == "xlsx" and self.legacy is None) or self.encoding in (
            "utf-8", "utf-8-sig")

    def file_noise(self) -> list[str]:
        out = []
        if self.fmt == "csv" and self.encoding not in ("utf-8",):
            out.append("enc_" + self.encoding.replace("-", "_"))
        if self.legacy:
            out.append(f"xlsx_{self.legacy}_cp1252")
        if self.has("namnu"):
            out.append("gender_namnu")
        return out


def _c(*pairs):
    return list(pairs)


def specs_for(source: str) -> list[FileSpec]:
    S = FileSpec
    if source == "hoi_nong_dan":
        return [
            S("DS_hoi_vien_HND_2023.xlsx", "xlsx", _c(
                ("stt", "STT"), ("ho_ten", "Họ và tên hội viên"), ("namnu", "Ngày sinh"),
                ("so_dinh_danh", "Số CCCD"), ("thon", "Chi hội"), ("xa", "Xã, phường"),
                ("ghi_chu", "Ghi chú")), 0.6,
              titles=["HỘI NÔNG DÂN THỊ XÃ ĐỨC PHỔ", "DANH SÁCH HỘI VIÊN HỘI NÔNG DÂN NĂM 2023"],
              numbering=True, sheets="per_commune", total="tong_cong", numeric_rate=0.08,
              place_style="old_full", footer=True),
            S("hoi_vien_bo_sung.csv", "csv", _c(
                ("stt", "TT"), ("ho_ten", "Họ và tên"), ("ngay_sinh", "Ngày sinh"),
                ("gioi_tinh", "Giới tính"), ("so_dinh_danh", "Số CCCD/CMND"), ("thon", "Thôn"),
                ("xa", "Xã/Phường")), 0.3,
              encoding="utf-8-sig", delimiter=";", titles=["DANH SÁCH HỘI VIÊN BỔ SUNG NĂM 2023"],
              date_fmt="d/m/yyyy", place_style="old_lower", gender_style="nam/nữ"),
            S("hoi_vien_cu_tcvn3.csv", "csv", _c(
                ("stt", "STT"), ("ho_ten", "Họ tên"), ("ngay_sinh", "Ngày, tháng, năm sinh"),
                ("gioi_tinh", "GT"), ("so_cmnd", "Số CMND"), ("so_dinh_danh", "Số CCCD"),
                ("dia_chi", "Địa chỉ")), 0.1,
              encoding="tcvn3", date_fmt="dd.mm.yyyy", total="cong_nguoi", newline="\r\n"),
        ]
    if source == "bhxh":
        return [
            S("bhxh_ducpho_2023_phan1.csv", "csv", _c(
                ("stt", "STT"), ("ma_bhxh", "Mã số BHXH"), ("ho_ten", "Họ và tên"),
                ("ngay_sinh", "Ngày sinh"), ("gioi_tinh", "Giới tính"), ("so_dinh_danh", "Số CCCD"),
                ("the_bhyt", "Mã thẻ BHYT"), ("dia_chi", "Địa chỉ")), 0.55,
              newline="\n", blank_rate=0.001, repeat_header=True),
            S("bhxh_ducpho_2023_phan2.txt", "csv", _c(
                ("ma_bhxh", "Mã BHXH"), ("ho_ten", "Họ tên"), ("ngay_sinh", "Ngày tháng năm sinh"),
                ("gioi_tinh", "Giới tính"), ("so_dinh_danh", "Số CMND/CCCD"), ("xa", "Mã xã"),
                ("thon", "Thôn/Tổ dân phố")), 0.25,
              encoding="cp1258", delimiter="\t", date_fmt="yyyy-mm-dd", gender_style="nam/nữ",
              place_style="old_code", blank_rate=0.001, empty_blank_lines=True),
            S("bhxh_vni_bo_sung.csv", "csv", _c(
                ("stt", "STT"), ("ho_ten", "Họ và tên"), ("namnu", "Năm sinh"),
                ("so_dinh_danh", "CCCD"), ("xa", "Xã"), ("ghi_chu", "Ghi chú")), 0.05,
              encoding="vni", delimiter=";", titles=["DANH SACH BO SUNG BHXH"],
              date_fmt="dd-mm-yyyy", place_style="old_ascii", total="tong_cong", footer=True),
            S("tra_soat/bhxh_theo_xa_2025.xlsx", "xlsx", _c(
                ("stt", "STT"), ("ho_ten", "Họ và tên"), ("ngay_sinh", "Ngày sinh"),
                ("gioi_tinh", "Giới tính"), ("so_dinh_danh", "Số định danh cá nhân"),
                ("so_cmnd", "Số CMND"), ("ma_bhxh", "Mã số BHXH"), ("the_bhyt", "Số thẻ BHYT"),
                ("xa", "Xã/Phường"), ("ghi_chu", "Ghi chú")), 0.15,
              titles=[T1, "KẾT QUẢ RÀ SOÁT DỮ LIỆU BẢO HIỂM XÃ HỘI", "(Đơn vị hành chính mới)"],
              numbering=True, date_fmt="excel", numeric_rate=0.08, place_style="new_full",
              new_places=True, sheets="per_commune", total="tong_cong", gender_style="NAM/NỮ"),
        ]
    if source == "thue":
        return [
            S("thue_bo_sung.csv", "csv", _c(
                ("mst", "MST"), ("ho_ten", "Họ và tên người nộp thuế"), ("ngay_sinh", "NTNS"),
                ("gioi_tinh", "GT"), ("so_dinh_danh", "CMND/CCCD"), ("xa", "Xã")), 0.3,
              encoding="cp1258", date_fmt="dd-mm-yyyy", gender_style="M/F",
              place_style="old_code"),
            S("thue_tncn_2023.xlsx", "xlsx", _c(
                ("stt", "STT"), ("mst", "Mã số thuế"), ("ho_ten", "Tên người nộp thuế"),
                ("ngay_sinh", "Ngày sinh"), ("gioi_tinh", "Giới tính"),
                ("so_dinh_danh", "Số CMND/CCCD"), ("dia_chi", "Địa chỉ"),
                ("ghi_chu", "Ghi chú")), 0.7,
              legacy="vni", titles=["CHI CỤC THUẾ KHU VỰC ĐỨC PHỔ - BA TƠ",
                                    "DANH SÁCH NGƯỜI NỘP THUẾ THU NHẬP CÁ NHÂN"],
              numeric_rate=0.08, total="cong_nguoi", footer=True),
        ]
    if source == "tre_em":
        return [
            S("tre_em_bo_sung_nfd.csv", "csv", _c(
                ("ho_ten", "Họ tên trẻ"), ("ngay_sinh", "Ngày sinh"), ("gioi_tinh", "Giới tính"),
                ("so_dinh_danh", "Số định danh cá nhân"), ("ho_ten_cha_me", "Họ tên mẹ"),
                ("dia_chi", "Nơi thường trú")), 0.25,
              encoding="utf-8-nfd", date_fmt="d/m/yyyy", gender_style="nam/nữ", newline="\n",
              new_places=True),
            S("tre_em_duoi_16.xlsx", "xlsx", _c(
                ("stt", "STT"), ("ho_ten", "Họ và tên trẻ"), ("ngay_sinh", "Ngày sinh"),
                ("gioi_tinh", "Giới tính"), ("so_dinh_danh", "Số định danh"),
                ("ho_ten_cha_me", "Họ tên cha/mẹ"), ("thon", "Thôn/Tổ dân phố"),
                ("xa", "Xã/Phường")), 0.75,
              titles=[T1, "DANH SÁCH TRẺ EM DƯỚI 16 TUỔI"], date_fmt="excel",
              numeric_rate=0.08, sheets="chunks2", place_style="old_short", numbering=True,
              sheet2_bare=True),
        ]
    if source == "nguoi_cao_tuoi":
        return [
            S("ds_nguoi_cao_tuoi_2023.xlsx", "xlsx", _c(
                ("stt", "TT"), ("ho_ten", "Họ và tên người cao tuổi"), ("namnu", "Ngày sinh"),
                ("so_dinh_danh", "Số CCCD"), ("xa", "Xã/Phường"), ("ghi_chu", "Ghi chú")), 0.55,
              titles=[T1, "HỘI NGƯỜI CAO TUỔI", "DANH SÁCH NGƯỜI CAO TUỔI NĂM 2023"],
              numbering=True, sheets="per_commune", total="tong_cong", numeric_rate=0.08,
              place_style="old_long", footer=True),
            S("nct_bo_sung.txt", "csv", _c(
                ("stt", "STT"), ("ho_ten", "Họ và tên"), ("ngay_sinh", "Ngày sinh"),
                ("gioi_tinh", "Phái"), ("so_dinh_danh", "Số CCCD"), ("thon", "Tổ dân phố"),
                ("xa", "Xã/Phường")), 0.15,
              encoding="tcvn3", delimiter="\t", date_fmt="dd/mm/yyyy", place_style="old_full"),
            S("nct_tcvn3_cu.xlsx", "xlsx", _c(
                ("stt", "STT"), ("ho_ten", "Họ tên"), ("ngay_sinh", "Năm sinh"),
                ("gioi_tinh", "GT"), ("so_dinh_danh", "Số CCCD"), ("so_cmnd", "Số CMND"),
                ("dia_chi", "Địa chỉ")), 0.2,
              legacy="tcvn3", titles=["DANH SÁCH NGƯỜI CAO TUỔI (CŨ)"], year_only=True,
              name_upper=True, numeric_rate=0.08, total="cong_nguoi"),
            S("nct_vni.csv", "csv", _c(
                ("ho_ten", "Họ và tên"), ("ngay_sinh", "Ngày sinh"), ("gioi_tinh", "Giới tính"),
                ("blank", ""), ("so_dinh_danh", "Số CCCD/CMND"), ("xa", "Xã, phường")), 0.1,
              encoding="vni", date_fmt="dd/mm/yyyy", place_style="old_short"),
        ]
    if source == "bao_tro_xa_hoi":
        return [
            S("bao_tro_xa_hoi_2023.xlsx", "xlsx", _c(
                ("stt", "STT"), ("ho_ten", "Họ và tên đối tượng"),
                ("ngay_sinh", "Ngày, tháng, năm sinh"), ("gioi_tinh", "Phái"),
                ("so_dinh_danh", "CCCD"), ("blank", ""), ("doi_tuong", "Diện đối tượng"),
                ("dia_chi", "Nơi cư trú"), ("ghi_chu", "Ghi chú")), 0.7,
              titles=[T1, "PHÒNG LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI",
                      "DANH SÁCH ĐỐI TƯỢNG BẢO TRỢ XÃ HỘI HƯỞNG TRỢ CẤP HÀNG THÁNG"],
              sheets="chunks2", numeric_rate=0.08, total="tong_cong", footer=True,
              sheet2_bare=True, repeat_header=True),
            S("btxh_bo_sung_cp1258.csv", "csv", _c(
                ("ho_ten", "Họ, tên"), ("ngay_sinh", "Ngày sinh"), ("gioi_tinh", "Giới tính"),
                ("so_dinh_danh", "Số CCCD"), ("so_cmnd", "CMND"), ("xa", "Phường/Xã"),
                ("doi_tuong", "Đối tượng")), 0.3,
              encoding="cp1258", delimiter=";", date_fmt="yyyy-mm-dd", place_style="old_long",
              titles=["DANH SÁCH BỔ SUNG ĐỐI TƯỢNG BTXH"], numbering=True),
        ]
    if source == "nguoi_co_cong":
        return [
            S("ncc_bo_sung.csv", "csv", _c(
                ("stt", "Số TT"), ("ho_ten", "Họ và tên người có công"), ("ngay_sinh", "Ngày sinh"),
                ("gioi_tinh", "Giới tính"), ("so_dinh_danh", "Số CMND/CCCD"),
                ("dia_chi", "Địa chỉ"), ("doi_tuong", "Diện hưởng")), 0.3,
              titles=["DANH SÁCH NGƯỜI CÓ CÔNG BỔ SUNG"], new_places=True, gender_style="Nam/Nu",
              empty_blank_lines=True, total="tong_cong", footer=True),
            S("nguoi_co_cong.xlsx", "xlsx", _c(
                ("stt", "STT"), ("ho_ten", "Họ và tên"), ("namnu", "Ngày sinh"),
                ("so_dinh_danh", "Số CCCD"), ("doi_tuong", "Đối tượng"), ("thon", "Thôn"),
                ("xa", "Xã/Phường"), ("ghi_chu", "Ghi chú")), 0.7,
              titles=[T_CHXH, "DANH SÁCH NGƯỜI CÓ CÔNG VỚI CÁCH MẠNG"], numbering=True,
              date_fmt="excel", numeric_rate=0.08, place_style="old_short", total="tong_cong",
              footer=True),
        ]
    raise KeyError(source)


# ------------------------------------------------------------------------------ helpers
_CP1252_TABLE = []
for _b in range(256):
    try:
        _CP1252_TABLE.append(bytes([_b]).decode("cp1252"))
    except UnicodeDecodeError:
        _CP1252_TABLE.append(chr(_b))


def legacy_text(text: str, legacy: str) -> str:
    """What a spreadsheet shows for text typed in an ABC (TCVN3) or VNI font."""
    from ducpho_etl.ingest.encodings import encode_tcvn3, encode_vni

    if legacy.startswith("tcvn3"):  # "tcvn3" (ABC fonts, VN3) or "tcvn3-vn1" (as iconv writes)
        raw = encode_tcvn3(text, variant="vn1" if legacy == "tcvn3-vn1" else "vn3")
    else:
        raw = encode_vni(text)
    return "".join(_CP1252_TABLE[b] for b in raw)


def encode_csv(text: str, encoding: str) -> bytes:
    if encoding == "utf-8":
        return text.encode("utf-8")
    if encoding == "utf-8-sig":
        return text.encode("utf-8-sig")
    if encoding == "utf-8-nfd":
        return unicodedata.normalize("NFD", text).encode("utf-8")
    if encoding.startswith("utf-8-cells-"):  # "CSV UTF-8" of a sheet typed in a legacy font
        return legacy_text(text, encoding.removeprefix("utf-8-cells-")).encode("utf-8")
    from ducpho_etl.ingest.encodings import encode_cp1258, encode_tcvn3, encode_vni

    if encoding == "tcvn3-vn1":  # TCVN5712-1 as glibc iconv writes it (VN1)
        return encode_tcvn3(text, variant="vn1")
    return {"cp1258": encode_cp1258, "tcvn3": encode_tcvn3, "vni": encode_vni}[encoding](text)


GIVEN_NAME = "ho_ten__given"  # the second column of a split name
NOTES = "__note__"  # the unnamed notes column


def header_cells(spec: FileSpec) -> list[str]:
    out = []
    for f, h in spec.columns:
        if f == "namnu":
            out += ["Nam", "Nữ"]
        else:
            out += [h, ""] if (f == "ho_ten" and spec.split_name) else [h]
    return out + ([""] if spec.notes_column else [])


def field_order(spec: FileSpec) -> list[str]:
    out = []
    for f, _ in spec.columns:
        if f == "namnu":
            out += ["ngay_sinh_nam", "ngay_sinh_nu"]
        else:
            out += [f, GIVEN_NAME] if (f == "ho_ten" and spec.split_name) else [f]
    return out + ([NOTES] if spec.notes_column else [])


def with_split_name(spec: FileSpec, row: dict) -> dict:
    """A person's row with the name over two cells (family + middle | given) when the layout
    splits it; totals, footers and repeated headers keep their text in the name cell."""
    name = row.get("ho_ten")
    if (not spec.split_name or not isinstance(name, str) or " " not in name.strip()
            or any(k in row for k in ("__total__", "__skip__", "__signer__"))):
        return row
    head, given = name.strip().rsplit(" ", 1)
    return {**row, "ho_ten": head, GIVEN_NAME: given}


def total_row(spec: FileSpec, n: int, rng: random.Random) -> dict:
    cells: dict = {}
    if spec.total == "cong_nguoi":
        cells["ho_ten"] = f"Cộng: {n:,} người".replace(",", ".")
    else:
        key = "stt" if spec.has("stt") and rng.random() < 0.5 else "ho_ten"
        cells[key] = "Tổng cộng"
        tgt = "ho_ten" if key == "stt" else ("stt" if spec.has("stt") else "so_dinh_danh")
        cells[tgt] = ("num", n) if spec.fmt == "xlsx" else str(n)
    return cells


FOOTER_SIGNERS = ["Nguyễn Thị Thu Hà", "Trần Văn Bình", "Lê Thị Mỹ Linh", "Phạm Quốc Dũng",
                  "Võ Văn Tám", "Huỳnh Thị Kim Oanh", "Đặng Công Thành"]


def footer_rows(spec: FileSpec, rng: random.Random) -> list:
    """The block under a printed list. Decision (contracts.md: every DATA row appears once):
    rows holding only labels (place and date line, "Người lập biểu", "(Ký, ghi rõ họ tên)")
    have no data cells and are not data rows, like title rows ("__skip__": not in the truth);
    the signers' names row puts a person's name in the name column, so it looks like data and
    is a data row, rejected (no birth date, no ID: "__signer__")."""
    last = field_order(spec)[-1]
    rows: list = [None,
                  {"__skip__": True, last: "Đức Phổ, ngày 30 tháng 6 năm 2023"},
                  {"__skip__": True, "ho_ten": "Người lập biểu", last: "Thủ trưởng đơn vị"},
                  {"__skip__": True, "ho_ten": "(Ký, ghi rõ họ tên)",
                   last: "(Ký tên, đóng dấu)"},
                  None, None]
    if rng.random() < 0.8:
        a, b = rng.sample(FOOTER_SIGNERS, 2)
        rows.append({"__signer__": True, "ho_ten": a, last: b})
    return rows


def with_repeated_header(rows: list, rng: random.Random) -> list:
    """Two exports pasted together (or a print header on a new page): the header row again."""
    if len(rows) < 4:
        return rows
    k = rng.randrange(len(rows) // 3, 2 * len(rows) // 3)
    return [*rows[:k], {"__header__": True}, *rows[k:]]


def _is_numbered(row: dict) -> bool:
    return ("__total__" not in row and "__skip__" not in row and "__header__" not in row
            and (row.get("ho_ten", "") != "" or bool(row.get("__stt_only__"))))


# ------------------------------------------------------------------------------ writers
def write_csv(path: Path, spec: FileSpec, rows: list[dict], rng: random.Random) -> list[int]:
    """rows: cell dicts (None = blank row, "__total__" in dict = total row). Returns the row
    numbers a spreadsheet program shows (records, not lines)."""
    buf = io.StringIO()
    wr = csv.writer(buf, delimiter=spec.delimiter, lineterminator=spec.newline)
    fields = field_order(spec)
    ncol = len(fields)
    line = 0
    for t in spec.titles:
        wr.writerow([t] + [""] * (ncol - 1) if rng.random() < 0.5 else [t])
        line += 1
    if spec.titles:
        wr.writerow([""] * ncol)
        line += 1
    wr.writerow(header_cells(spec))
    line += 1
    if spec.numbering:
        wr.writerow([f"({k})" for k in range(1, ncol + 1)])
        line += 1
    numbers: list[int] = []
    stt = 0
    for row in rows:
        if row is None:
            if spec.empty_blank_lines:
                buf.write(spec.newline)
            else:
                wr.writerow([""] * ncol)
            line += 1
            numbers.append(-1)
            continue
        if "__header__" in row:
            wr.writerow(header_cells(spec))
            line += 1
            numbers.append(-1)
            continue
        if "stt" in fields and _is_numbered(row):
            stt += 1
            row.setdefault("stt", str(stt))
        out = []
        cells = with_split_name(spec, row)
        for f in fields:
            v = cells.get(f, "")
            if isinstance(v, tuple):
                v = str(v[1])
            out.append(v)
        wr.writerow(out)
        line += 1
        numbers.append(-1 if "__skip__" in row else line)
    # `line` counts records, the rows a spreadsheet program shows (a cell may hold a line break)
    records = sum(1 for _ in csv.reader(io.StringIO(buf.getvalue(), newline=""),
                                        delimiter=spec.delimiter))
    assert records == line, (spec.path, records, line)
    data = encode_csv(buf.getvalue(), spec.encoding)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return numbers


def write_xlsx(path: Path, spec: FileSpec, sheets: list[tuple[str, list]], rng: random.Random
               ) -> list[list[int]]:
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                        "strings_to_urls": False})
    wb.set_properties({"created": dt.datetime(2023, 7, 1, 8, 0, 0), "author": "UBND"})
    bold = wb.add_format({"bold": True, "align": "center", "valign": "vcenter", "border": 1,
                          "text_wrap": True})
    title_fmt = wb.add_format({"bold": True, "align": "center"})
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    fields = field_order(spec)
    ncol = len(fields)

    def txt(s: str) -> str:
        return legacy_text(s, spec.legacy) if spec.legacy else s

    all_numbers = []
    two_row = spec.has("namnu")
    for k_sheet, (sname, rows) in enumerate(sheets):
        ws = wb.add_worksheet(sname)
        r = 0
        titles = [] if (spec.sheet2_bare and k_sheet > 0) else spec.titles
        for t in titles:
            ws.merge_range(r, 0, r, max(1, ncol - 1), txt(t), title_fmt)
            r += 1
        if titles:
            r += 1  # blank row above the header
        c = 0
        for f, h in spec.columns:
            if f == "namnu":
                ws.merge_range(r, c, r, c + 1, txt(h), bold)
                ws.write_string(r + 1, c, txt("Nam"), bold)
                ws.write_string(r + 1, c + 1, txt("Nữ"), bold)
                c += 2
            else:
                width = 2 if (f == "ho_ten" and spec.split_name) else 1
                if two_row or width == 2:
                    ws.merge_range(r, c, r + (1 if two_row else 0), c + width - 1, txt(h), bold)
                elif h:
                    ws.write_string(r, c, txt(h), bold)
                c += width
        r += 2 if two_row else 1
        if spec.numbering:
            for k in range(ncol):
                ws.write_string(r, k, f"({k + 1})")
            r += 1
        numbers = []
        stt = 0
        for row in rows:
            if row is None:
                r += 1
                numbers.append(-1)
                continue
            if "__header__" in row:
                for k, h in enumerate(header_cells(spec)):
                    if h:
                        ws.write_string(r, k, txt(h), bold)
                r += 1
                numbers.append(-1)
                continue
            if "stt" in fields and _is_numbered(row):
                stt += 1
                row.setdefault("stt", ("num", stt))
            cells = with_split_name(spec, row)
            for k, f in enumerate(fields):
                v = cells.get(f)
                if v is None or v == "":
                    continue
                if isinstance(v, tuple):
                    kind, val = v
                    if kind == "num":
                        ws.write_number(r, k, val)
                    else:
                        ws.write_datetime(r, k, dt.datetime(val.year, val.month, val.day),
                                          date_fmt)
                else:
                    ws.write_string(r, k, txt(v))
            r += 1
            numbers.append(-1 if "__skip__" in row else r)  # 1-based sheet row just written
        all_numbers.append(numbers)
    wb.close()
    return all_numbers


def split_sheets(spec: FileSpec, rows: list[dict]) -> list[tuple[str, list[dict]]]:
    if spec.sheets == "per_commune" and spec.new_places:
        new_groups: dict[str, list[dict]] = {c: [] for c in NEW_UNITS}
        for row in rows:
            new_groups[new_code(row["_unit"])].append(row)
        return [(" ".join(NEW_UNITS[c]), g) for c, g in new_groups.items() if g]
    if spec.sheets == "per_commune":
        groups: dict[int, list[dict]] = {u: [] for u in range(len(OLD_UNITS))}
        for row in rows:
            groups[row["_unit"]].append(row)
        return [(sheet_name(u), g) for u, g in groups.items() if g]
    if spec.sheets == "chunks2":
        h = (len(rows) + 1) // 2
        return [("Sheet1", rows[:h]), ("Sheet2", rows[h:])]
    return [("Danh sach", rows)]
