"""Pagination of the Cluster API (reference sections 10.1-10.3): offset paging and fan-out tokens."""

from __future__ import annotations

from typing import List, Optional

from emulator.cluster.encoding import decode_fanout_token, encode_fanout_token, go_atoi
from emulator.cluster.state import NodeUnreachable
from emulator.core import Request


def _limit_offset(req: Request):
    """``limit`` (None when absent or not positive: no paging) and ``offset`` (0 when absent or negative)."""
    limit = go_atoi(req.q("limit"))
    if limit is None or limit <= 0:
        return None, 0
    offset = go_atoi(req.q("offset"))
    return limit, (offset if offset is not None and offset >= 0 else 0)


def page_offset_memory(items: list, req: Request):
    """§10.1: returns (page, next or None)."""
    limit, offset = _limit_offset(req)
    if limit is None:
        return items, None
    page = items[offset:offset + limit]
    nxt = offset + limit if offset + limit < len(items) else None
    return page, nxt


def page_offset_sql(items: list, req: Request):
    """§10.2: next = offset + len(page) whenever the page is full."""
    limit, offset = _limit_offset(req)
    if limit is None:
        return items, None
    page = items[offset:offset + limit]
    nxt = offset + len(page) if len(page) >= limit else None
    return page, nxt


def paginate_fanout(node_ids: List[int], fetch, limit: Optional[int], start: Optional[str]):
    """§10.3 token pagination over nodes in ascending id order.

    fetch(node_id) -> list of items, or raises NodeUnreachable.  Returns
    (items, errors[(node_id, message)], next_token)."""
    items: list = []
    errors: list = []
    if limit is None or limit <= 0:
        for nid in node_ids:
            try:
                items.extend(fetch(nid))
            except NodeUnreachable as e:
                errors.append((nid, str(e)))
        return items, errors, encode_fanout_token([], 0, 0, [])
    state = decode_fanout_token(start) if start else None
    if state is None:
        done, in_prog, idx, remaining = [], 0, 0, list(node_ids)
    else:
        done, in_prog, idx, remaining = state
    left = limit
    while left > 0:
        if in_prog == 0:
            if not remaining:
                break
            in_prog, idx = remaining.pop(0), 0
        try:
            lst = fetch(in_prog)
        except NodeUnreachable as e:
            errors.append((in_prog, str(e)))
            done.append(in_prog)
            in_prog, idx = 0, 0
            continue
        chunk = lst[idx:idx + left]
        items.extend(chunk)
        left -= len(chunk)
        end = idx + len(chunk)
        if end >= len(lst):
            done.append(in_prog)
            in_prog, idx = 0, 0
        else:
            idx = end
    return items, errors, encode_fanout_token(done, in_prog, idx, remaining)
