"""Photos of flip charts and paper slides: checked by content, turned upright, resized and
stored under the instance's UPLOAD_PATH with random names.

Memory is bounded by the pixels decoded, not by the file's size (a 233 KB PNG can hold 60
million pixels): the size is read from the file's header before anything is decoded and a photo
over ``MAX_PIXELS`` is refused; a JPEG is decoded already reduced (``Image.draft``: the decoder
scales by 1/2, 1/4 or 1/8) to no less than the print rendition; and the one full-size image is
reduced before it is turned upright or flattened, so no full-size copy is ever made.
``bench/upload_memory.py`` measures the peak.
"""

from __future__ import annotations

import functools
import io
import secrets
from pathlib import Path

from flask import Response, current_app, send_file
from flask_babel import gettext as _

from fieldkit.conferences.models import Group, Photo
from fieldkit.core.operations import OperationError
from fieldkit.extensions import db

MAX_BYTES = 20 * 1024 * 1024
#: 40 megapixels: more than any tablet or phone camera takes (12–24 MP), and at most 160 MB
#: decoded (4 bytes a pixel) for a PNG, which cannot be decoded reduced.
MAX_PIXELS = 40_000_000
PRINT_EDGE = 2000
THUMB_EDGE = 400


@functools.cache
def accepted_formats() -> frozenset[str]:
    """Image formats accepted, by what Pillow finds in the file (never by the file name): HEIC
    from iPads too when pillow-heif is installed (registered with Pillow on first use)."""
    try:
        from pillow_heif import register_heif_opener
    except ImportError:  # pragma: no cover - depends on the machine
        return frozenset({"JPEG", "PNG", "WEBP"})
    register_heif_opener()
    return frozenset({"JPEG", "PNG", "WEBP", "HEIF"})


#: The brands of the ISO base media files iPhones and iPads write their HEIC photos as.
HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")


def looks_like_heif(content: bytes) -> bool:
    """Whether ``content`` is a HEIC/HEIF photo (an ``ftyp`` box naming a HEIF brand)."""
    return content[4:8] == b"ftyp" and content[8:12] in HEIF_BRANDS


def folder() -> Path:
    """The folder of the photos' renditions (created when missing)."""
    path = Path(current_app.config["UPLOAD_PATH"]) / "conferences"
    path.mkdir(parents=True, exist_ok=True)
    return path


def rendition_path(photo: Photo, size: str) -> Path:
    """Where the print rendition (``print``) or the thumbnail (``thumb``) is stored."""
    suffix = "-t.jpg" if size == "thumb" else ".jpg"
    return folder() / f"{photo.stem}{suffix}"


def send(photo: Photo, size: str) -> Response | None:
    """A rendition (``print`` or ``thumb``) that is never cached, or None when there is none."""
    if size not in ("print", "thumb"):
        return None
    path = rendition_path(photo, size)
    if not path.exists():
        return None
    response = send_file(path, mimetype="image/jpeg", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


#: The EXIF tag of the camera's orientation.
ORIENTATION = 0x0112
#: Rows of the full-size image reduced at a time (times the factor).
STRIP_ROWS = 64


def _reduce_in_strips(image, factor: int):
    """``image`` reduced by ``factor`` (box average), a strip of rows at a time: Pillow's own
    ``reduce`` and ``resize`` copy an RGBA image whole (premultiplied alpha) first, which for a
    40 MP photo is another 160 MB. A palette or 16-bit image becomes RGB(A) strip by strip."""
    from PIL import Image

    plain = image.mode in ("RGB", "RGBA", "L", "LA")
    if factor < 2 and plain:
        return image
    factor = max(factor, 1)
    mode = image.mode if plain else ("RGBA" if _has_alpha(image) else "RGB")
    reduced = Image.new(mode, (-(-image.width // factor), -(-image.height // factor)))
    rows = factor * STRIP_ROWS
    for top in range(0, image.height, rows):
        strip = image.crop((0, top, image.width, min(top + rows, image.height)))
        if strip.mode != mode:
            strip = strip.convert(mode)
        reduced.paste(strip.reduce(factor) if factor > 1 else strip, (0, top // factor))
    return reduced


def _has_alpha(image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info


def save_photo(group: Group, content: bytes) -> Photo:
    """Check an uploaded image and store its print rendition and thumbnail."""
    kind, printed, thumb = renditions(content)
    photo = Photo(
        group=group,
        stem=secrets.token_hex(16),
        original_format=kind,
        width=printed.width,
        height=printed.height,
    )
    printed.save(rendition_path(photo, "print"), "JPEG", quality=80, optimize=True)
    thumb.save(rendition_path(photo, "thumb"), "JPEG", quality=75)
    db.session.add(photo)
    db.session.flush()
    return photo


def renditions(content: bytes):
    """(format, print rendition, thumbnail) of an uploaded image, upright and in RGB; raises
    ``OperationError`` for a file that is no photo or has too many pixels."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    formats = accepted_formats()
    if len(content) > MAX_BYTES:
        raise OperationError(_("The photo is larger than %(mb)d MB.", mb=MAX_BYTES // 1024 // 1024))
    try:
        with Image.open(io.BytesIO(content)) as probe:
            kind = probe.format
            width, height = probe.size
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        if looks_like_heif(content) and "HEIF" not in formats:
            # Without the optional pillow-heif (``pip install 'fieldkit[heif]'``) Pillow cannot
            # read HEIC: say so, rather than call an iPad's photo "not a photo".
            raise OperationError(
                _(
                    "HEIC photos (iPhone, iPad) cannot be read on this server. Set the camera "
                    'to "Most Compatible" (JPEG) or take a screenshot of the photo, '
                    "and try again."
                )
            ) from None
        raise OperationError(_("The file is not a photo (JPEG, PNG or WebP).")) from None
    except Image.DecompressionBombError:
        raise OperationError(_("The photo has too many pixels.")) from None
    if kind not in formats:
        raise OperationError(_("The file is not a photo (JPEG, PNG or WebP)."))
    if width * height > MAX_PIXELS:
        raise OperationError(
            _(
                "The photo has %(mp)d megapixels; at most %(max)d are accepted. Take it with "
                "a lower resolution, or take a screenshot of it.",
                mp=round(width * height / 1_000_000),
                max=MAX_PIXELS // 1_000_000,
            )
        )
    with Image.open(io.BytesIO(content)) as image:
        # JPEG: decode at 1/2, 1/4 or 1/8 scale, never below the print rendition's size.
        image.draft("RGB", (PRINT_EDGE, PRINT_EDGE))
        image.load()
        orientation = image.getexif().get(ORIENTATION)
        reduced = _reduce_in_strips(image, max(image.size) // PRINT_EDGE)
        if orientation and reduced is not image:
            reduced.getexif()[ORIENTATION] = orientation
        reduced.thumbnail((PRINT_EDGE, PRINT_EDGE), Image.Resampling.LANCZOS)
        upright = ImageOps.exif_transpose(reduced)
        if upright.mode not in ("RGB", "L"):
            background = Image.new("RGB", upright.size, "white")
            rgba = upright.convert("RGBA")
            background.paste(rgba, mask=rgba.getchannel("A"))
            upright = background
        printed = upright.convert("RGB")
    thumb = printed.copy()
    thumb.thumbnail((THUMB_EDGE, THUMB_EDGE), Image.Resampling.LANCZOS)
    return kind, printed, thumb
