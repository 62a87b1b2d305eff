#!/usr/bin/env python3
"""Draws AgentBar's application icon and its tray icons (one per agent state).

Shapes are drawn at 8x and scaled down, which keeps edges clean at 16-32 px.
Needs Pillow (`pip install pillow`). Output: icons/*.png, icons/tray/*.png
(RGBA, as Tauri requires). Run from anywhere: paths are relative to this file.
"""
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent / "icons"
SS = 8  # supersampling factor

WHITE = (255, 255, 255, 255)

# Agent state -> (colour, glyph). Colours match the connection bar's state pills.
STATES = {
    "idle": ((22, 163, 74), "check"),
    "busy": ((220, 38, 38), "minus"),
    "ringing": ((245, 158, 11), "ring"),
    "talking": ((37, 99, 235), "handset"),
    "hold": ((234, 88, 12), "pause"),
    "rest": ((124, 58, 237), "moon"),
    "wrapup": ((13, 148, 136), "lines"),
    "signedout": ((107, 114, 128), "power"),
}


def canvas(size):
    img = Image.new("RGBA", (size * SS, size * SS), (0, 0, 0, 0))
    return img, ImageDraw.Draw(img), size * SS


def finish(img, size):
    return img.resize((size, size), Image.LANCZOS)


def handset(d, s, cx, cy, scale, fill):
    """A telephone handset: a quarter arc from the earpiece (top left) to the
    mouthpiece (bottom right), with a pad at each end."""
    r = s * 0.27 * scale
    w = max(int(s * 0.10 * scale), 1)
    ox, oy = cx + s * 0.13 * scale, cy - s * 0.13 * scale
    d.arc([ox - r, oy - r, ox + r, oy + r], start=90, end=180, fill=fill, width=w)
    pad_l, pad_w = s * 0.15 * scale, s * 0.16 * scale
    # earpiece: along the arc's left end, pointing up
    ex = ox - r + w / 2
    d.rounded_rectangle([ex - pad_w / 2, oy - pad_l, ex + pad_w / 2, oy + s * 0.02],
                        radius=pad_w / 2.2, fill=fill)
    # mouthpiece: along the arc's bottom end, pointing right
    my = oy + r - w / 2
    d.rounded_rectangle([ox - s * 0.02, my - pad_w / 2, ox + pad_l, my + pad_w / 2],
                        radius=pad_w / 2.2, fill=fill)


def glyph(d, s, name):
    c = s / 2
    w = int(s * 0.11)
    if name == "check":
        d.line([(s * 0.30, s * 0.52), (s * 0.44, s * 0.66), (s * 0.71, s * 0.36)],
               fill=WHITE, width=w, joint="curve")
        for x, y in ((s * 0.30, s * 0.52), (s * 0.71, s * 0.36)):
            d.ellipse([x - w / 2, y - w / 2, x + w / 2, y + w / 2], fill=WHITE)
    elif name == "minus":
        d.rounded_rectangle([s * 0.27, c - w * 0.6, s * 0.73, c + w * 0.6],
                            radius=w * 0.6, fill=WHITE)
    elif name == "pause":
        bw = s * 0.11
        for x in (s * 0.37, s * 0.63):
            d.rounded_rectangle([x - bw / 2, s * 0.30, x + bw / 2, s * 0.70],
                                radius=bw / 2, fill=WHITE)
    elif name == "handset":
        handset(d, s, c, c, 1.0, WHITE)
    elif name == "ring":
        handset(d, s, c - s * 0.05, c + s * 0.05, 0.8, WHITE)
        aw = max(int(s * 0.06), 1)
        ox, oy = c + s * 0.02, c - s * 0.02
        for k in (0.20, 0.31):
            r = s * k
            d.arc([ox - r, oy - r, ox + r, oy + r], start=280, end=350, fill=WHITE, width=aw)
    elif name == "moon":
        r = s * 0.24
        d.ellipse([c - r, c - r, c + r, c + r], fill=WHITE)
        o = s * 0.13
        d.ellipse([c - r + o, c - r - o * 0.6, c + r + o, c + r - o * 0.6], fill=(0, 0, 0, 0))
    elif name == "lines":
        lw = s * 0.075
        for i, (y, x2) in enumerate(((0.34, 0.72), (0.50, 0.72), (0.66, 0.56))):
            d.rounded_rectangle([s * 0.28, s * y - lw / 2, s * x2, s * y + lw / 2],
                                radius=lw / 2, fill=WHITE)
    elif name == "power":
        r = s * 0.21
        d.arc([c - r, c - r + s * 0.03, c + r, c + r + s * 0.03], start=-55, end=235,
              fill=WHITE, width=w)
        d.rounded_rectangle([c - w / 2, s * 0.24, c + w / 2, s * 0.50], radius=w / 2, fill=WHITE)


def tray_icon(state, size):
    (r, g, b), name = STATES[state]
    img, d, s = canvas(size)
    pad = s * 0.04
    d.ellipse([pad, pad, s - pad, s - pad], fill=(r, g, b, 255))
    # a thin darker rim keeps the disc readable on light and dark panels
    d.ellipse([pad, pad, s - pad, s - pad], outline=(int(r * 0.7), int(g * 0.7), int(b * 0.7), 255),
              width=max(int(s * 0.035), 1))
    if name == "moon":
        # punch the crescent on its own layer so the cut-out shows the disc colour
        layer, ld, _ = canvas(size)
        glyph(ld, s, name)
        img.alpha_composite(layer)
    else:
        glyph(d, s, name)
    return finish(img, size)


def app_icon(size):
    img, d, s = canvas(size)
    # rounded square with a vertical gradient, deep to bright blue
    top, bottom = (30, 58, 138), (37, 99, 235)
    grad = Image.new("RGBA", (s, s))
    gd = ImageDraw.Draw(grad)
    for y in range(s):
        t = y / (s - 1)
        col = tuple(int(top[i] + (bottom[i] - top[i]) * t) for i in range(3)) + (255,)
        gd.line([(0, y), (s, y)], fill=col)
    mask = Image.new("L", (s, s), 0)
    ImageDraw.Draw(mask).rounded_rectangle([s * 0.04, s * 0.04, s * 0.96, s * 0.96],
                                           radius=s * 0.22, fill=255)
    img.paste(grad, (0, 0), mask)
    # the connection bar: a white pill with a green state dot and two text lines
    d.rounded_rectangle([s * 0.16, s * 0.36, s * 0.84, s * 0.64], radius=s * 0.14, fill=WHITE)
    dr = s * 0.085
    d.ellipse([s * 0.30 - dr, s * 0.50 - dr, s * 0.30 + dr, s * 0.50 + dr], fill=(22, 163, 74, 255))
    lh = s * 0.035
    d.rounded_rectangle([s * 0.44, s * 0.445 - lh, s * 0.74, s * 0.445 + lh], radius=lh,
                        fill=(30, 58, 138, 255))
    d.rounded_rectangle([s * 0.44, s * 0.555 - lh, s * 0.64, s * 0.555 + lh], radius=lh,
                        fill=(148, 163, 184, 255))
    return finish(img, size)


def main():
    (ROOT / "tray").mkdir(parents=True, exist_ok=True)
    for name, size in (("32x32", 32), ("64x64", 64), ("128x128", 128), ("128x128@2x", 256),
                       ("icon", 512)):
        app_icon(size).save(ROOT / f"{name}.png")
    for state in STATES:
        tray_icon(state, 32).save(ROOT / "tray" / f"{state}.png")
    # a preview sheet for people: every tray icon at 16, 24 and 32 px on light and dark
    sheet = Image.new("RGBA", (len(STATES) * 40 + 10, 2 * 120), (240, 240, 240, 255))
    ImageDraw.Draw(sheet).rectangle([0, 120, sheet.width, 240], fill=(40, 40, 48, 255))
    for i, state in enumerate(STATES):
        for row, size in enumerate((16, 24, 32)):
            for band in (0, 120):
                sheet.alpha_composite(tray_icon(state, size), (10 + i * 40, band + 10 + row * 36))
    sheet.save(ROOT / "preview.png")


if __name__ == "__main__":
    main()
