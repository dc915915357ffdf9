"""TikTok comments on the institution's own videos, through TikTok's API for Business.

Lists the business account's videos (`business/video/list/`), then each video's comments
newest first (`business/comment/list/`, replies included) until the last one already seen.
Replies count as complaints like any comment; the account's own comments (`owner`) do not.
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from schemas.enums import Channel
from services.intake.channels.inbound import Inbound, items, obj, scalar, text_of, unix_time
from services.intake.pullers.base import Cursors, PullFailed, Sink

VIDEO_FIELDS = ["item_id", "create_time", "caption", "share_url"]


def answer_data(body: Any) -> dict[str, Any]:
    """The `data` of an API answer; a non-zero `code` is TikTok's way of saying it failed."""
    answer = obj(body)
    if answer.get("code") != 0:
        raise PullFailed(f"tiktok code {answer.get('code')}: {answer.get('message')}")
    return obj(answer.get("data"))


def comments_inbound(comments: list[dict[str, Any]], business_id: str, video: dict[str, Any],
                     mark: dict[str, Any]) -> tuple[Inbound, dict[str, Any]]:
    """Submissions for comments after the video's mark (the newest time seen and the ids seen
    at that second, since times have one-second resolution), and the new mark."""
    inbound = Inbound()
    since, at_since = int(mark.get("t", 0)), set(mark.get("ids", []))
    newest, at_newest = since, set(at_since)
    for comment in comments:
        with inbound.item(comment.get("comment_id")):
            created = int(comment.get("create_time") or 0)
            key = scalar(comment.get("comment_id"))
            if created < since or (created == since and key in at_since):
                continue  # seen on an earlier poll
            if created > newest:
                newest, at_newest = created, set()
            if created == newest and key:
                at_newest.add(key)
            if comment.get("owner") is True or scalar(comment.get("user_id")) == business_id:
                inbound.ignored += 1  # the account's own answer under its video
                continue
            parent = scalar(comment.get("parent_comment_id"))
            username = text_of(comment.get("username"))
            link = video.get("share_url")
            inbound.add(channel=Channel.TIKTOK, channel_message_id=key,
                        text=comment.get("text"),
                        reporter={"name": comment.get("display_name") or username,
                                  "handle": f"@{username}" if username
                                  else scalar(comment.get("user_id"))},
                        occurred_at=unix_time(created), received_by=business_id,
                        in_reply_to=parent if parent and parent != key else None,
                        attachments=[{"kind": "link", "url": link}]
                        if isinstance(link, str) else [])
    return inbound, {"t": newest, "ids": sorted(at_newest)}


class TikTokPuller:
    """One business account; its cursor is the newest comment time per video."""

    def __init__(self, name: str, api_url: str, business_id: str, token: str,
                 http: httpx.AsyncClient, sink: Sink, cursors: Cursors,
                 max_videos: int = 50, page_size: int = 30) -> None:
        self.name, self.api_url, self.business_id = name, api_url.rstrip("/"), business_id
        self.headers = {"Access-Token": token}
        self.http, self.sink, self.cursors = http, sink, cursors
        self.max_videos, self.page_size = max_videos, page_size

    async def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        response = await self.http.get(f"{self.api_url}/{path}", params=params,
                                       headers=self.headers)
        response.raise_for_status()
        return answer_data(orjson.loads(response.content))

    async def videos(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        cursor: Any = None
        while len(found) < self.max_videos:
            params = {"business_id": self.business_id, "fields": orjson.dumps(VIDEO_FIELDS)
                      .decode(), "max_count": 20} | ({"cursor": cursor} if cursor else {})
            data = await self._get("business/video/list/", params)
            found += [v for v in items(data.get("videos")) if scalar(v.get("item_id"))]
            cursor = data.get("cursor")
            if not data.get("has_more") or cursor is None:
                break
        return found[:self.max_videos]

    async def poll_once(self) -> int:
        """Read new comments on every video; returns how many submissions were handed over."""
        state = await self.cursors.load(self.name)
        seen: dict[str, Any] = obj(state.get("videos"))
        handed = 0
        for video in await self.videos():
            video_id = str(scalar(video.get("item_id")))
            mark = obj(seen.get(video_id))
            since = int(mark.get("t", 0))
            cursor: Any = 0
            while True:
                data = await self._get("business/comment/list/", {
                    "business_id": self.business_id, "video_id": video_id,
                    "include_replies": "true", "sort_field": "create_time",
                    "sort_order": "desc", "cursor": cursor, "max_count": self.page_size})
                comments = items(data.get("comments"))
                inbound, page_mark = comments_inbound(comments, self.business_id, video, mark)
                await self.sink.submit(self.name, inbound)
                handed += len(inbound.submissions)
                current = obj(seen.get(video_id))
                if page_mark["t"] > int(current.get("t", 0)):
                    seen[video_id] = page_mark
                elif page_mark["t"] == int(current.get("t", 0)):
                    seen[video_id] = {"t": page_mark["t"], "ids": sorted(
                        set(current.get("ids", [])) | set(page_mark["ids"]))}
                older = any(int(c.get("create_time") or 0) < since for c in comments)
                cursor = data.get("cursor")
                if older or not data.get("has_more") or cursor is None:
                    break
            await self.cursors.save(self.name, {"videos": seen})
        return handed
