"""Uploads by authorised staff: POST /api/documents, the job it starts, /admin/upload, and hostile uploads."""
from __future__ import annotations

import io
import logging
import re
import time
import zipfile
from pathlib import Path

import pytest

TOKEN = "s3cret-upload-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PAGE_A = ("在全市尾矿库安全专项整治会议上的讲话\n同志们：\n今天召开会议，部署尾矿库安全专项整治工作。\n"
          "各县区要对辖区内尾矿库逐一排查，建立隐患台账，限期整改到位。\n")
PAGE_B = ("<html><head><title>关于开展液氨制冷企业安全检查的通知</title></head><body><article>"
          "<h1>关于开展液氨制冷企业安全检查的通知</h1><p>各区县应急管理局：</p>"
          "<p>为防范液氨泄漏事故，决定在全市开展液氨制冷企业专项安全检查，重点检查氨制冷机房和应急处置设施。</p>"
          "</article></body></html>")


@pytest.fixture
def upload_app(spare_service_index, tmp_path):
    from search_service import create_app

    return create_app(index_dir=spare_service_index, RATELIMIT_ENABLED=False, WRITE_TOKEN=TOKEN,
                      UPLOAD_DIR=tmp_path / "uploads", UPLOAD_MAX_FILES=20, UPLOAD_MAX_FILE_MB=2,
                      UPLOAD_MAX_TOTAL_MB=4, UPLOAD_MAX_MB=3)


@pytest.fixture
def client(upload_app):
    return upload_app.test_client()


def files(*named) -> dict:
    return {"files": [(io.BytesIO(data if isinstance(data, bytes) else data.encode()), name, kind)
                      for name, data, kind in named]}


def upload(client, *named, headers=AUTH):
    return client.post("/api/documents", data=files(*named), headers=headers, content_type="multipart/form-data")


def wait_done(client, job_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = client.get(f"/api/jobs/{job_id}", headers=AUTH).get_json()
        if state["state"] in ("done", "failed"):
            return state
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} did not finish: {state}")


def total(client, q: str) -> int:
    return client.get("/api/search", query_string={"q": q}).get_json()["total"]


def a_zip(members: dict, compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def written_files(upload_dir: Path) -> list[Path]:
    return [p for p in upload_dir.rglob("*") if p.is_file()] if upload_dir.exists() else []


def test_two_pages_are_ingested_in_the_background_and_found(client, upload_app):
    assert total(client, "尾矿库") == 0
    response = upload(client, ("tailings.txt", PAGE_A, "text/plain"), ("ammonia.html", PAGE_B, "text/html"))
    assert response.status_code == 202, response.get_json()
    job = response.get_json()
    assert re.fullmatch(r"[0-9a-f]{16}", job["job_id"]) and response.headers["Location"] == f"/api/jobs/{job['job_id']}"
    done = wait_done(client, job["job_id"])
    assert done["state"] == "done", done
    assert done["summary"]["added"] == 2 and done["files_done"] == done["files"] == 2
    assert {"documents_per_second", "eta_seconds", "documents"} <= set(done)
    assert total(client, "尾矿库") == 1 and total(client, "液氨制冷") == 1
    again = wait_done(client, upload(client, ("tailings.txt", PAGE_A, "text/plain")).get_json()["job_id"])
    assert again["summary"]["added"] == 0 and again["summary"]["duplicates"] + again["summary"]["unchanged"] == 1


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}])
def test_without_the_token_it_is_403_and_nothing_is_written(client, upload_app, headers):
    response = upload(client, ("tailings.txt", PAGE_A, "text/plain"), headers=headers)
    assert response.status_code == 403 and "令牌" in response.get_json()["detail"]
    assert written_files(Path(upload_app.config["UPLOAD_DIR"])) == []
    assert client.get("/api/jobs/0123456789abcdef").status_code == 403


def test_no_token_configured_means_no_uploads(spare_service_index, tmp_path):
    from search_service import create_app

    client = create_app(index_dir=spare_service_index, UPLOAD_DIR=tmp_path / "u").test_client()
    response = upload(client, ("a.txt", PAGE_A, "text/plain"))
    assert response.status_code == 403 and "SAFETY_SEARCH_WRITE_TOKEN" in response.get_json()["detail"]
    assert "未配置" in client.get("/admin/upload").get_data(as_text=True)


def test_hostile_zip_members_are_skipped_and_nothing_lands_outside_the_job(client, upload_app, tmp_path):
    bomb = b"\0" * (30 * 2**20)            # 30 MB of zeros compress to ~30 KB
    archive = a_zip({"../../escape.txt": PAGE_A, "/etc/cron.d/evil.txt": PAGE_A, "C:/win/evil.txt": PAGE_A,
                     "inner.zip": a_zip({"x.txt": PAGE_A}), "bomb.txt": bomb, "tool.exe": b"MZ",
                     "pages/good.txt": PAGE_A})
    response = upload(client, ("batch.zip", archive, "application/zip"))
    assert response.status_code == 202, response.get_json()
    reasons = {s["file"]: s["reason"] for s in response.get_json()["skipped_on_upload"]}
    assert "不安全" in reasons["escape.txt"] and "不安全" in reasons["evil.txt"]
    assert "压缩包" in reasons["inner.zip"] and "压缩炸弹" in reasons["bomb.txt"] and "类型" in reasons["tool.exe"]
    done = wait_done(client, response.get_json()["job_id"])
    assert done["summary"]["added"] == 1
    upload_dir = Path(upload_app.config["UPLOAD_DIR"])
    assert all(upload_dir in p.parents for p in written_files(upload_dir))
    assert not (tmp_path / "escape.txt").exists() and not list(tmp_path.parent.glob("escape.txt"))
    assert sum(p.stat().st_size for p in written_files(upload_dir)) < 2**20


def test_an_oversized_request_and_a_zip_whose_header_lies_are_refused(client, upload_app):
    big = a_zip({"big.txt": "安全" * (2 * 2**20)}, compression=zipfile.ZIP_STORED)   # 12 MB, stored
    response = upload(client, ("big.zip", big, "application/zip"))
    assert response.status_code == 413                     # the request itself is over UPLOAD_MAX_MB (3)
    liar = bytearray(a_zip({"liar.txt": "安全生产" * 300_000}))   # 3.6 MB text, compresses well
    # patch the central directory's uncompressed size to claim 100 bytes
    central = liar.rfind(b"PK\x01\x02")
    liar[central + 24:central + 28] = (100).to_bytes(4, "little")
    response = upload(client, ("liar.zip", bytes(liar), "application/zip"), ("good.txt", PAGE_A, "text/plain"))
    assert response.status_code == 202
    reasons = {s["file"]: s["reason"] for s in response.get_json()["skipped_on_upload"]}
    assert "无法读取" in reasons["liar.txt"]
    (accepted,) = response.get_json()["accepted"]
    assert accepted.endswith("_good.txt")
    job_files = Path(upload_app.config["UPLOAD_DIR"]) / response.get_json()["job_id"] / "files"
    assert [p.name for p in job_files.iterdir()] == response.get_json()["accepted"], "no half-read member left"


def test_ten_thousand_tiny_files_stop_at_the_file_limit(client):
    archive = a_zip({f"p/{i:05d}.txt": f"第{i}号通知\n关于安全生产检查的第{i}号通知正文内容。\n" for i in range(10_000)})
    response = upload(client, ("many.zip", archive, "application/zip"))
    assert response.status_code == 202
    job = response.get_json()
    assert job["files"] == 20
    assert len(job["skipped_on_upload"]) == 10_000 - 20
    assert "文件过多" in job["skipped_on_upload"][0]["reason"]


@pytest.mark.parametrize("named, word", [
    (("photo.txt", b"\x89PNG\r\n", "image/png"), "内容类型"),
    (("setup.exe", b"MZ\x90", "application/octet-stream"), "不支持"),
    (("broken.zip", b"PK not really", "application/zip"), "zip"),
    (("big.txt", "安" * (1024 * 1024), "text/plain"), "过大"),       # 3 MB > UPLOAD_MAX_FILE_MB (2)
])
def test_wrong_or_oversized_single_files_are_refused_with_a_reason(client, upload_app, named, word):
    response = upload(client, named)
    assert response.status_code in (400, 413), response.get_json()
    assert word in response.get_json()["detail"]
    assert written_files(Path(upload_app.config["UPLOAD_DIR"])) == []


def test_a_request_over_the_size_limit_is_413(client, upload_app):
    response = upload(client, ("huge.txt", b"a" * (4 * 2**20), "text/plain"))
    assert response.status_code == 413 and "3 MB" in response.get_json()["detail"]
    assert written_files(Path(upload_app.config["UPLOAD_DIR"])) == []


def test_job_ids_are_checked(client):
    assert client.get("/api/jobs/..%2F..", headers=AUTH).status_code == 404
    assert client.get("/api/jobs/zzz", headers=AUTH).status_code == 400
    assert client.get("/api/jobs/0123456789abcdef", headers=AUTH).status_code == 404
    assert upload(client).status_code == 400


def test_a_second_upload_queues_behind_the_writer_lock(client, upload_app):
    from index.writing import writer_lock

    with writer_lock(Path(upload_app.config["INDEX_DIR"])):
        job = upload(client, ("tailings.txt", PAGE_A, "text/plain")).get_json()
        deadline = time.monotonic() + 60   # the job process needs a moment to reach the lock on a busy machine
        while True:
            state = client.get(f"/api/jobs/{job['job_id']}", headers=AUTH).get_json()
            if "排队" in state["message"] or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert state["state"] == "queued" and "排队" in state["message"]
    assert wait_done(client, job["job_id"])["summary"]["added"] == 1


# --- the page ------------------------------------------------------------------------------------------

def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_page_login_needs_the_token_and_csrf_and_the_token_never_shows(client, caplog):
    caplog.set_level(logging.DEBUG)
    page = client.get("/admin/upload").get_data(as_text=True)
    assert 'type="password"' in page and 'type="file"' not in page
    csrf = csrf_of(page)
    assert client.post("/admin/login", data={"token": TOKEN}).status_code == 403, "no CSRF token"
    assert client.post("/admin/login", data={"token": "wrong", "csrf": csrf}).status_code == 403
    assert client.post("/admin/login", data={"token": TOKEN, "csrf": csrf},
                       headers={"Origin": "https://evil.example"}).status_code == 403
    assert client.get(f"/admin/upload?token={TOKEN}").get_data(as_text=True).count('type="file"') == 0, \
        "a token in the URL does nothing"
    response = client.post("/admin/login", data={"token": TOKEN, "csrf": csrf})
    assert response.status_code == 303
    page = client.get("/admin/upload").get_data(as_text=True)
    assert 'type="file"' in page and TOKEN not in page
    csrf = csrf_of(page)
    assert client.post("/admin/upload", data={**files(("a.txt", PAGE_A, "text/plain"))},
                       content_type="multipart/form-data").status_code == 403, "no CSRF token"
    response = client.post("/admin/upload", data={"csrf": csrf, **files(("a.txt", PAGE_A, "text/plain"))},
                           content_type="multipart/form-data")
    assert response.status_code == 303 and "/admin/jobs/" in response.headers["Location"]
    job_id = response.headers["Location"].rsplit("/", 1)[1]
    wait_done(client, job_id)
    job_page = client.get(f"/admin/jobs/{job_id}").get_data(as_text=True)
    assert "导入完成" in job_page and "新增" in job_page
    recent = client.get("/admin/upload").get_data(as_text=True)
    assert f'href="/admin/jobs/{job_id}"' in recent and "新增 1 篇" in recent
    assert TOKEN not in caplog.text and all(TOKEN not in (c.value or "") for c in client._cookies.values())
    client.post("/admin/logout", data={"csrf": csrf})
    assert client.get(f"/admin/jobs/{job_id}").status_code == 403


def test_guessing_the_token_through_the_login_form_is_rate_limited(spare_service_index, tmp_path):
    from search_service import create_app

    client = create_app(index_dir=spare_service_index, WRITE_TOKEN=TOKEN, UPLOAD_DIR=tmp_path / "u").test_client()
    csrf = csrf_of(client.get("/admin/upload").get_data(as_text=True))
    statuses = [client.post("/admin/login", data={"token": f"guess{i}", "csrf": csrf}).status_code for i in range(12)]
    assert statuses[:10] == [403] * 10 and statuses[10:] == [429, 429]


def test_a_zip_of_very_many_entries_is_refused_before_its_directory_is_read(client, upload_app):
    archive = a_zip({f"{i}.txt": "" for i in range(25_000)}, compression=zipfile.ZIP_STORED)
    response = upload(client, ("flood.zip", archive, "application/zip"))
    assert response.status_code == 400 and "文件过多" in response.get_json()["detail"]
    assert written_files(Path(upload_app.config["UPLOAD_DIR"])) == []
