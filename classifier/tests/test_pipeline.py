"""Pipeline stages on their own: where downloads may go, and what the folder source lets a label reach."""

import pytest

from classifier.pipeline import StageError
from classifier.pipeline.download import Refused, check_address, download_images
from classifier.pipeline.folder import folder_images
from tests.image_server import make_photo


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x.jpg",
        "http://10.0.0.8/x.jpg",
        "http://[::1]/x.jpg",
        "http://169.254.169.254/x",
        "ftp://example.com/x.jpg",
        "file:///etc/passwd",
    ],
)
def test_downloads_never_reach_loopback_private_or_non_http_addresses(url):
    with pytest.raises(Refused):
        check_address(url, allow_private=False)


def test_by_default_the_local_server_is_out_of_reach(image_server, tmp_path):
    urls = {"bird": [f"{image_server.url}/photos/bird/{n}.jpg" for n in range(3)]}
    result = download_images(urls, 3, cache_dir=tmp_path)
    assert result.files == {"bird": []} and result.failures == 3


def test_the_folder_source_matches_labels_ignoring_case_and_reaches_nothing_outside(tmp_path):
    (tmp_path / "Bird").mkdir()
    make_photo("bird", 1).save(tmp_path / "Bird" / "1.jpg")
    (tmp_path / "secret.jpg").write_bytes(b"not for students")
    assert [p.name for p in folder_images(tmp_path, ["bird"], 10)["bird"]] == ["1.jpg"]
    for label in ("..", ".", "Bird/..", "/etc"):
        with pytest.raises(StageError):
            folder_images(tmp_path, [label], 10)
