"""Cups under a classroom's load: N students and one teacher socket, a burst of presses, then an idle minute.

Prints press → first teacher summary that includes it (p50, p99, max), presses lost, connect errors, and the
server's CPU and memory (uvicorn processes and Redis) during the burst and while idle. With --flood, a second
burst runs while one more student sends 1,000 frames a second, and its p99 is compared with the first.

    python bench/cups_load.py --students 2000 --window 10 --idle 60 --web-workers 2 --flood
"""

import argparse
import asyncio
import gc
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.servers import System, Usage  # noqa: E402


async def http_get_cookie(port: int, path: str) -> str:
    """One GET, as a phone opening the lesson page; returns its session cookie."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    response = await reader.read()
    writer.close()
    cookies = [
        line.split(":", 1)[1].split(";", 1)[0].strip()
        for line in response.decode(errors="replace").split("\r\n")
        if line.lower().startswith("set-cookie:")
    ]
    return "; ".join(cookies)


class Student:
    def __init__(self, index: int):
        self.name = f"s{index:05d}"
        self.socket = None
        self.pressed_at: float | None = None
        self.color = None

    async def join(self, port: int, code: str, semaphore: asyncio.Semaphore) -> bool:
        async with semaphore:
            try:
                cookie = await http_get_cookie(port, f"/l/{code}/")
                self.socket = await websockets.connect(
                    f"ws://127.0.0.1:{port}/ws/l/{code}/student/",
                    additional_headers=[("Cookie", cookie), ("Origin", f"http://127.0.0.1:{port}")],
                    open_timeout=60,
                    ping_interval=None,
                    max_queue=None,
                )
                await self.socket.recv()  # the state on connect
                await self.socket.send(json.dumps({"type": "name", "name": self.name}))
                asyncio.ensure_future(self.drain())
                return True
            except Exception:
                return False

    async def drain(self):
        try:
            async for _ in self.socket:
                pass
        except websockets.ConnectionClosed:
            pass

    async def press(self, color: str, delay: float):
        await asyncio.sleep(delay)
        self.color = color
        self.pressed_at = time.monotonic()
        await self.socket.send(json.dumps({"type": "cup", "color": color}))

    async def heartbeat(self, seconds: float):
        end = time.monotonic() + seconds
        await asyncio.sleep(random.uniform(0, 30))
        while time.monotonic() < end:
            await self.socket.send(json.dumps({"type": "ping"}))  # as the page does, every 30 s
            await asyncio.sleep(30)


class Teacher:
    def __init__(self):
        self.seen: dict[str, float] = {}  # student name → when its current colour first showed
        self.expect: dict[str, str] = {}
        self.summaries = 0

    async def listen(self, socket):
        async for frame in socket:
            now = time.monotonic()
            message = json.loads(frame)
            if message.get("type") != "summary":
                continue
            self.summaries += 1
            for student in message["students"]:
                name = student["name"]
                if name in self.expect and name not in self.seen and student["color"] == self.expect[name]:
                    self.seen[name] = now


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


async def flood(port: int, code: str, seconds: float) -> dict:
    """One student sending 1,000 frames a second: rate-limited, then closed."""
    cookie = await http_get_cookie(port, f"/l/{code}/")
    socket = await websockets.connect(
        f"ws://127.0.0.1:{port}/ws/l/{code}/student/",
        additional_headers=[("Cookie", cookie), ("Origin", f"http://127.0.0.1:{port}")],
        ping_interval=None,
    )
    sent = limited = 0
    closed_code = None
    end = time.monotonic() + seconds

    async def read():
        nonlocal limited
        async for frame in socket:
            if '"rate_limited"' in frame:
                limited += 1

    reader = asyncio.ensure_future(read())
    try:
        while time.monotonic() < end:
            for _ in range(10):
                await socket.send(json.dumps({"type": "cup", "color": random.choice(["red", "green"])}))
                sent += 1
            await asyncio.sleep(0.01)
    except websockets.ConnectionClosed as closed:
        closed_code = closed.rcvd.code if closed.rcvd else None
    await asyncio.sleep(0.5)
    reader.cancel()
    return {"sent": sent, "rate_limited_replies": limited, "closed_with": closed_code}


async def burst(students, teacher, color: str, window: float, system, flood_code: str | None = None) -> dict:
    teacher.seen.clear()
    teacher.expect = {s.name: color for s in students}
    usage = Usage([pid for p in (system.web, system.redis) for pid in system.pids(p)])
    flooding = asyncio.ensure_future(flood(system.port, flood_code, window)) if flood_code else None
    await asyncio.gather(*(s.press(color, random.uniform(0, window)) for s in students))
    deadline = time.monotonic() + 30
    while len(teacher.seen) < len(students) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    cpu, rss = usage.cpu_percent(), usage.rss_mb()
    latencies = [1000 * (teacher.seen[s.name] - s.pressed_at) for s in students if s.name in teacher.seen]
    result = {
        "presses": len(students),
        "lost": len(students) - len(latencies),
        "p50_ms": round(percentile(latencies, 0.5), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1) if latencies else None,
        "server_cpu_percent": round(cpu, 1),
        "server_rss_mb": round(rss),
    }
    if flooding:
        result["flood"] = await flooding
    return result


def prepare(system: System) -> tuple[str, str]:
    """A teacher, a lesson and the teacher's session cookie, made through Django like `make run` does."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from classroom.services import lesson_create

    teacher = get_user_model().objects.create_user("bench-teacher", password="x" * 16)
    lesson = lesson_create(owner=teacher, title="Benchmark")
    client = Client()
    client.force_login(teacher)
    return lesson.code, f"sessionid={client.cookies['sessionid'].value}"


async def run_load(args, system: System, code: str, teacher_cookie: str) -> dict:
    teacher = Teacher()
    teacher_socket = await websockets.connect(
        f"ws://127.0.0.1:{system.port}/ws/l/{code}/teacher/",
        additional_headers=[("Cookie", teacher_cookie), ("Origin", system.url)],
        ping_interval=None,
        max_size=None,
        max_queue=None,
    )
    listener = asyncio.ensure_future(teacher.listen(teacher_socket))
    students = [Student(i) for i in range(args.students)]
    started = time.monotonic()
    semaphore = asyncio.Semaphore(200)
    joined = await asyncio.gather(*(s.join(system.port, code, semaphore) for s in students))
    connected = [s for s, ok in zip(students, joined, strict=False) if ok]
    report = {
        "students": args.students,
        "web_workers": args.web_workers,
        "connect_errors": args.students - len(connected),
        "connect_seconds": round(time.monotonic() - started, 1),
    }
    await asyncio.sleep(3)  # let the join notices settle
    # 2,000 phones do not share one garbage collector: without this, this process's own full collections
    # (150 ms with 2,000 sockets open) would be counted as the server's latency.
    gc.collect()
    gc.freeze()
    report["burst"] = await burst(connected, teacher, "red", args.window, system)
    idle = Usage([pid for p in (system.web, system.redis) for pid in system.pids(p)])
    await asyncio.gather(*(s.heartbeat(args.idle) for s in connected))
    report["idle"] = {
        "seconds": args.idle,
        "server_cpu_percent": round(idle.cpu_percent(), 1),
        "server_rss_mb": round(idle.rss_mb()),
    }
    if args.flood:
        report["burst_with_flood"] = await burst(connected, teacher, "green", args.window, system, code)
        report["flood_p99_ratio"] = round(
            report["burst_with_flood"]["p99_ms"] / max(1e-9, report["burst"]["p99_ms"]), 2
        )
    listener.cancel()
    return report


def main(args):
    system = System(Path(tempfile.mkdtemp(prefix="cups-bench-")))
    try:
        system.start_redis()
        system.migrate()
        code, teacher_cookie = prepare(system)
        system.start_web(workers=args.web_workers)
        report = asyncio.run(run_load(args, system, code, teacher_cookie))
    finally:
        system.stop()
    print(json.dumps(report, indent=2))
    burst_result = report["burst"]
    print(
        f"\ncups: {args.students} students, {args.web_workers} web process(es): "
        f"press→teacher p50 {burst_result['p50_ms']} ms, "
        f"p99 {burst_result['p99_ms']} ms, max {burst_result['max_ms']} ms, lost {burst_result['lost']}, "
        f"connect errors {report['connect_errors']}; CPU burst {burst_result['server_cpu_percent']}% "
        f"idle {report['idle']['server_cpu_percent']}%; RSS {burst_result['server_rss_mb']} MB"
        + (f"; p99 with a flooding student ×{report['flood_p99_ratio']}" if args.flood else "")
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--window", type=float, default=10.0)
    parser.add_argument("--idle", type=float, default=60.0)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--flood", action="store_true")
    main(parser.parse_args())
