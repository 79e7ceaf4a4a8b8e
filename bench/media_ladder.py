"""Benchmark: Ensemble's one-pass ingest against one FFmpeg process per rung, and by hand.

    .venv/bin/python -m bench.media_ladder [--seconds 10] [--folder var/bench] [--repeat 1]

A 3840x2160, 30 fps HEVC clip with stereo AAC is generated once (a test pattern with film-like
grain, so the encoders have real work) and kept in the folder. Then, in one run:

(a) Ensemble's ingest, end to end: probe, the one-pass ladder (decode once, scale once to the
    top rung, split, encode every rung), poster, thumbnails and storyboard;
(b) the same rungs with the same encoder settings done the way PeerTube and MediaCMS do it: one
    FFmpeg process per rung, one after the other, each decoding the source and scaling from it;
(c) one hand-written FFmpeg command producing the same ladder (no probe, no previews).

It prints the wall-time ratios a/b and a/c, each rung's SSIM for (a) and (b) against the source
scaled to that rung (Lanczos), and peak memory (FFmpeg's own peak RSS per process, from wait4,
and this Python process's). Targets: a/b <= 0.75 with SSIM within 0.5 % of (b); a/c <= 1.05.
Before each phase the source is read once (so every phase finds it in the page cache). With
--repeat N (default 2) the phases run N times, in alternating order (abc, cba, ...) so that no
phase always goes first, and the best time of each is used: the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BT709 = "setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709:range=tv"


def main(argv: list[str] | None = None) -> int:
    options = _arguments(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from ensemble.media import ffmpeg, ladder, probe

    folder = Path(options.folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    print("Ensemble media ladder benchmark")
    print(f"  FFmpeg {ffmpeg.ffmpeg_binary()}  |  {os.cpu_count()} CPUs  |  load {_load()}")
    source = _source(folder, options.seconds)
    facts = probe.probe(source)
    video = facts["video"][0]
    print(
        f"  source {source.name}: {video['width']}x{video['height']} {video['codec']} "
        f"{video['bit_depth']}-bit, {facts['duration']:.1f} s, {video['frame_rate']:g} fps, "
        f"{facts['bit_rate'] / 1e6:.1f} Mb/s, audio {facts['audio'][0]['codec']}"
    )
    plan = ladder.plan_ladder(facts)
    rungs = plan.renditions
    print(
        "  rungs "
        + ", ".join(f"{r.label} {r.width}x{r.height}" for r in rungs)
        + f"  (x264 {rungs[0].rung.preset}, CRF {rungs[0].rung.crf}, GOP {plan.gop})"
    )
    times: dict[str, list[float]] = {"a": [], "b": [], "c": []}
    memory: dict[str, int] = {"a": 0, "b": 0, "c": 0}
    work = folder / "run"
    for attempt in range(options.repeat):
        shutil.rmtree(work, ignore_errors=True)
        outputs = {name: work / name for name in "abc"}
        for path in outputs.values():
            path.mkdir(parents=True)
        suffix = f" (round {attempt + 1}/{options.repeat})" if options.repeat > 1 else ""
        order = "abc" if attempt % 2 == 0 else "cba"  # no phase always goes first
        for name in order:
            _warm(source)  # every phase starts with the source in the page cache
            if name == "a":
                elapsed, peak = _phase_a(source, outputs["a"], suffix)
            elif name == "b":
                elapsed, peak = _phase_b(source, facts, plan, outputs["b"], suffix)
            else:
                elapsed, peak = _phase_c(source, facts, plan, outputs["c"], suffix)
            times[name].append(elapsed)
            memory[name] = max(memory[name], peak)
    scores = _ssim(source, plan, work)
    best = {name: min(values) for name, values in times.items()}
    _report(best, times, memory, scores, plan)
    if not options.keep:
        shutil.rmtree(work, ignore_errors=True)
    ratio_b, ratio_c = best["a"] / best["b"], best["a"] / best["c"]
    ssim_ok = all(abs(a - b) / b <= 0.005 for a, b in scores.values())
    return 0 if ratio_b <= 0.75 and ratio_c <= 1.05 and ssim_ok else 1


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.media_ladder", description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the 4K clip")
    parser.add_argument("--folder", default=str(ROOT / "var" / "bench"), help="work folder")
    parser.add_argument("--repeat", type=int, default=2, help="rounds; the best time counts")
    parser.add_argument("--keep", action="store_true", help="keep the outputs")
    return parser.parse_args(argv)


# The source -------------------------------------------------------------------------------------


def _source(folder: Path, seconds: float) -> Path:
    from ensemble.media.ffmpeg import ffmpeg_run, file_url, lavfi_input

    path = folder / f"source-2160p30-{seconds:g}s-hevc-bt709.mp4"
    if path.exists():
        print(f"  source: reusing {path}")
        return path
    print(f"  source: generating {seconds:g} s of 3840x2160 HEVC (once; kept in {folder}) ...")
    temp = path.with_name("tmp-" + path.name)
    started = time.monotonic()
    ffmpeg_run(
        [
            *lavfi_input(f"testsrc2=size=3840x2160:rate=30:duration={seconds},noise=alls=8:allf=t"),
            *lavfi_input(f"sine=frequency=220:duration={seconds}:sample_rate=48000"),
            "-vf", f"scale=out_color_matrix=bt709:out_range=tv,format=yuv420p,{BT709}",
            "-c:v", "libx265", "-preset", "ultrafast", "-crf", "24", "-pix_fmt", "yuv420p",
            "-x265-params", "log-level=error", "-tag:v", "hvc1",
            "-c:a", "aac", "-ac", "2", "-b:a", "160k", "-shortest", "-f", "mp4", file_url(temp),
        ],
        timeout=3600,
        progress=_bar("  source"),
        duration=seconds,
    )  # fmt: skip
    temp.replace(path)
    print(f"  source: made in {time.monotonic() - started:.1f} s")
    return path


def _warm(path: Path) -> None:
    with path.open("rb") as handle:
        while handle.read(4 * 1024 * 1024):
            pass


# The three ways ---------------------------------------------------------------------------------


def _phase_a(source: Path, out: Path, suffix: str) -> tuple[float, int]:
    from ensemble.media.ffmpeg import observe_runs
    from ensemble.media.ingest import ingest

    print(f"[a] Ensemble ingest: probe, one-pass ladder, poster, storyboard{suffix}")
    started = time.monotonic()
    with observe_runs() as runs:
        result = ingest(source, out, kind="video", progress=_bar("    ingest"))
    elapsed = time.monotonic() - started
    peak = max(run.max_rss_kb for run in runs)
    ffmpeg_time = sum(run.elapsed for run in runs)
    print(
        f"    {elapsed:.1f} s ({len(runs)} FFmpeg process, {ffmpeg_time:.1f} s; probe and "
        f"previews {elapsed - ffmpeg_time:.1f} s); files: {', '.join(sorted(result.files))}"
    )
    return elapsed, peak


def _phase_b(
    source: Path, facts: dict[str, Any], plan: Any, out: Path, suffix: str
) -> tuple[float, int]:
    from ensemble.media.ffmpeg import ffmpeg_run, file_url, media_input, observe_runs
    from ensemble.media.ladder import (
        CLEAN_OUTPUT_ARGS,
        audio_encoder_args,
        conversion_filter,
        encoder_args,
    )

    print(f"[b] one FFmpeg process per rung, each decoding the source (PeerTube/MediaCMS){suffix}")
    started = time.monotonic()
    peak = 0
    for rendition in plan.renditions:
        began = time.monotonic()
        # The very chain the ladder uses for its top rung, at this rung's size.
        _, graph, _ = conversion_filter(
            facts["video"][0], rendition.width, rendition.height, plan.frame_rate
        )
        with observe_runs() as runs:
            ffmpeg_run(
                [
                    *media_input(source, facts["container"]),
                    "-map", f"0:{plan.video_index}", "-vf", graph,
                    *encoder_args(rendition.rung, plan.gop),
                    "-map", f"0:{plan.audio_index}",
                    *audio_encoder_args(rendition.rung.audio_bitrate, facts),
                    *CLEAN_OUTPUT_ARGS, "-f", "mp4", file_url(out / rendition.filename),
                ],
                timeout=3600,
                progress=_bar(f"    {rendition.label:>5}"),
                duration=facts["duration"],
            )  # fmt: skip
        peak = max(peak, runs[0].max_rss_kb)
        print(f"    {rendition.label:>5}: {time.monotonic() - began:.1f} s")
    elapsed = time.monotonic() - started
    print(f"    {elapsed:.1f} s ({len(plan.renditions)} FFmpeg processes)")
    return elapsed, peak


def _phase_c(
    source: Path, facts: dict[str, Any], plan: Any, out: Path, suffix: str
) -> tuple[float, int]:
    """One FFmpeg command written by hand for this 16:9 source (same rungs and settings)."""
    from ensemble.media.ffmpeg import ffmpeg_run, observe_runs

    print(f"[c] one hand-written FFmpeg command for the whole ladder{suffix}")
    sizes = [(r.width, r.height) for r in plan.renditions]
    count = len(sizes)
    graph = (
        f"[0:v]fps=30,scale={sizes[0][0]}:{sizes[0][1]},format=yuv420p,split={count}"
        + "".join(f"[s{n}]" for n in range(count))
        + ";[s0]null[v0]"
        + "".join(f";[s{n}]scale={w}:{h}[v{n}]" for n, (w, h) in enumerate(sizes) if n)
    )
    args = ["-f", "mov", "-i", "file:" + str(source), "-filter_complex", graph]
    for n, rendition in enumerate(plan.renditions):
        rung = rendition.rung
        args += [
            "-map", f"[v{n}]", "-map", "0:a",
            "-c:v", "libx264", "-preset", rung.preset, "-crf", str(rung.crf),
            "-maxrate", f"{rung.max_bitrate}k", "-bufsize", f"{2 * rung.max_bitrate}k",
            "-profile:v", "high", "-g", "60", "-keyint_min", "60", "-sc_threshold", "0",
            "-c:a", "aac", "-b:a", "128k", "-ac", "2",
            "-movflags", "+faststart", "file:" + str(out / f"{rendition.label}.mp4"),
        ]  # fmt: skip
    started = time.monotonic()
    with observe_runs() as runs:
        ffmpeg_run(args, timeout=3600, progress=_bar("    ladder"), duration=facts["duration"])
    elapsed = time.monotonic() - started
    print(f"    {elapsed:.1f} s (1 FFmpeg process)")
    return elapsed, runs[0].max_rss_kb


# Quality ----------------------------------------------------------------------------------------


def _ssim(source: Path, plan: Any, work: Path) -> dict[str, tuple[float, float]]:
    """SSIM of each rung of (a) and (b) against the source scaled to the rung, one decode."""
    from ensemble.media.ffmpeg import ffmpeg_run, media_input

    print("[ssim] each rung of (a) and (b) against the source scaled to it (Lanczos)")
    mov = "mov,mp4,m4a,3gp,3g2,mj2"
    renditions = plan.renditions
    count = len(renditions)
    args = media_input(source, mov)
    for rendition in renditions:
        args += media_input(work / "a" / rendition.filename, mov)
    for rendition in renditions:
        args += media_input(work / "b" / rendition.filename, mov)
    graph = f"[0:v]split={count}" + "".join(f"[r{n}]" for n in range(count))
    outputs = []
    for n, rendition in enumerate(renditions):
        w, h = rendition.width, rendition.height
        graph += (
            f";[r{n}]scale={w}:{h}:flags=lanczos+accurate_rnd,format=yuv420p,{BT709},"
            f"split=2[ra{n}][rb{n}]"
            f";[{1 + n}:v]{BT709}[ia{n}];[ia{n}][ra{n}]ssim=stats_file=ssim-a-{n}.log[oa{n}]"
            f";[{1 + count + n}:v]{BT709}[ib{n}];[ib{n}][rb{n}]ssim=stats_file=ssim-b-{n}.log"
            f"[ob{n}]"
        )
        outputs += ["-map", f"[oa{n}]", "-map", f"[ob{n}]"]
    started = time.monotonic()
    ffmpeg_run(
        [*args, "-filter_complex", graph, *outputs, "-f", "null", "-"], cwd=work, timeout=3600
    )
    print(f"    {time.monotonic() - started:.1f} s")
    return {
        rendition.label: (
            _mean_ssim(work / f"ssim-a-{n}.log"),
            _mean_ssim(work / f"ssim-b-{n}.log"),
        )
        for n, rendition in enumerate(renditions)
    }


def _mean_ssim(path: Path) -> float:
    values = []
    for line in path.read_text().splitlines():
        for field in line.split():
            if field.startswith("All:"):
                values.append(float(field[4:]))
    return sum(values) / len(values)


# Output -----------------------------------------------------------------------------------------


def _report(
    best: dict[str, float],
    times: dict[str, list[float]],
    memory: dict[str, int],
    scores: dict[str, tuple[float, float]],
    plan: Any,
) -> None:
    ratio_b, ratio_c = best["a"] / best["b"], best["a"] / best["c"]
    rounds = len(times["a"])
    print()
    print("Results" + (f" (best of {rounds} rounds)" if rounds > 1 else ""))
    print(
        f"  wall time   a {best['a']:.1f} s  |  b {best['b']:.1f} s  |  c {best['c']:.1f} s"
        + (
            "   (all rounds: "
            + "; ".join(f"{k} " + ", ".join(f"{v:.1f}" for v in times[k]) for k in "abc")
            + ")"
            if rounds > 1
            else ""
        )
    )
    print(f"  a/b = {ratio_b:.2f}   (target <= 0.75)   {_verdict(ratio_b <= 0.75)}")
    print(f"  a/c = {ratio_c:.2f}   (target <= 1.05)   {_verdict(ratio_c <= 1.05)}")
    print("  SSIM against the source scaled to the rung:")
    print("    rung      size        (a)      (b)    (a)-(b)")
    sizes = {r.label: f"{r.width}x{r.height}" for r in plan.renditions}
    for label, (a, b) in scores.items():
        difference = (a - b) / b * 100
        print(
            f"    {label:>5}  {sizes[label]:>9}   {a:.4f}   {b:.4f}   {difference:+.2f} %   "
            f"{_verdict(abs(difference) <= 0.5)}"
        )
    self_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        "  peak memory (FFmpeg RSS, largest process):  "
        f"a {memory['a'] / 1024:.0f} MiB  |  b {memory['b'] / 1024:.0f} MiB  |  "
        f"c {memory['c'] / 1024:.0f} MiB;  this Python process {self_peak / 1024:.0f} MiB"
    )


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def _bar(label: str) -> Any:
    state = {"shown": -1}
    started = time.monotonic()

    def show(fraction: float) -> None:
        step = int(fraction * 10)
        if step > state["shown"]:
            state["shown"] = step
            end = "\n" if step >= 10 else ""
            sys.stdout.write(
                f"\r{label} [{'#' * step}{'.' * (10 - step)}] {fraction * 100:3.0f}% "
                f"{time.monotonic() - started:6.1f} s{end}"
            )
            sys.stdout.flush()

    return show


def _load() -> str:
    try:
        return " ".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        return "?"


if __name__ == "__main__":
    raise SystemExit(main())
