#!/usr/bin/env python3
"""Draws icons/icon.png (RGBA, 256x256): a calm blue rounded square with a white "A".

Standard library only, so the icon can be rebuilt anywhere: `python3 icons/make_icon.py`.
Tauri needs an RGBA PNG at compile time (generate_context! embeds it).
"""
import math, os, struct, zlib

N = 256
BLUE = (37, 99, 160)
R = 52  # corner radius


def seg_dist(px, py, ax, ay, bx, by):
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def coverage(d, half):  # anti-aliased stroke edge
    return max(0.0, min(1.0, half + 0.5 - d))


def pixel(x, y):
    cx, cy = x + 0.5, y + 0.5
    # rounded square
    qx = max(R - cx, 0, cx - (N - R)); qy = max(R - cy, 0, cy - (N - R))
    inside = max(0.0, min(1.0, R + 0.5 - math.hypot(qx, qy))) if (qx or qy) else 1.0
    if inside <= 0:
        return (0, 0, 0, 0)
    # the "A": two legs and a bar
    legs = [(128, 52, 70, 204), (128, 52, 186, 204)]
    a = max(coverage(seg_dist(cx, cy, *l), 14) for l in legs)
    a = max(a, coverage(seg_dist(cx, cy, 94, 150, 162, 150), 11))
    r, g, b = (round(c * (1 - a) + 255 * a) for c in BLUE)
    return (r, g, b, round(255 * inside))


rows = b"".join(b"\x00" + bytes(v for x in range(N) for v in pixel(x, y)) for y in range(N))
chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", N, N, 8, 6, 0, 0, 0)) \
    + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "icon.png"), "wb").write(png)
