"""Mux: the MP4 of a live recording (providers.md §1.8).

Preference: master access when `MUX_PREFER_MASTER` is set or the asset has no
public playback id (the master URL is pre-signed by Mux, so signed playback ids
need no token of ours); otherwise the `highest.mp4` static rendition. When
neither is ready we ask Mux for it once and wait for its `ready` webhook.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from chalicelib.errors import GiveUpError, NotReadyError, RetryableError
from chalicelib.resolve import Files, Resolution, Waiting
from chalicelib.secrets import get_secret
from chalicelib.settings import get_settings

RENDITION = "highest.mp4"
T = TypeVar("T")


def public_playback_id(asset: dict[str, Any]) -> str | None:
    for playback in asset.get("playback_ids") or []:
        if playback.get("policy") == "public" and playback.get("id"):
            return str(playback["id"])
    return None


def ready_rendition(asset: dict[str, Any]) -> str | None:
    """The name of the best ready MP4 static rendition (`highest.mp4` first)."""
    files = (asset.get("static_renditions") or {}).get("files") or []
    names = [f.get("name") for f in files if f.get("status") == "ready" and str(f.get("name", "")).endswith(".mp4")]
    if RENDITION in names:
        return RENDITION
    return max(names, key=lambda n: int(n.split("p")[0]) if n.split("p")[0].isdigit() else 0, default=None)


def choose(asset: dict[str, Any], stream_url: str, prefer_master: bool) -> tuple[str, str]:
    """("url", the MP4's URL) when one is ready, else ("request", "master" or "rendition"); pure."""
    if asset.get("status") == "errored":
        raise GiveUpError("Mux asset errored", detail=str(asset.get("id")))
    master = asset.get("master") or {}
    if master.get("status") == "ready" and master.get("url"):
        return "url", str(master["url"])
    playback = public_playback_id(asset)
    if playback and not prefer_master:
        name = ready_rendition(asset)
        return ("url", f"{stream_url}/{playback}/{name}") if name else ("request", "rendition")
    return "request", "master"


def resolve_mux(facts: dict[str, Any], item: dict[str, Any]) -> Resolution:
    asset_id = ((facts.get("recording") or {}).get("provider_ids") or {}).get("asset_id")
    if not asset_id:
        raise GiveUpError("Mux recording without an asset id", detail=str(facts.get("recording")))
    settings = get_settings()
    api = MuxApi()
    asset = api.asset(asset_id)
    if asset.get("status") == "preparing":
        raise NotReadyError("Mux asset still preparing", detail=asset_id, delay_s=60)
    kind, value = choose(asset, settings.mux_stream_url, settings.mux_prefer_master)
    if kind == "url":
        return Files((value,), (value.rsplit("/", 1)[-1].split("?")[0] if value.endswith(".mp4") else "master.mp4",))
    if item.get("waiting_for") == value:
        # Asked before and the webhook has not come: poll gently until it is ready.
        raise NotReadyError(f"Mux {value} requested, not ready yet", detail=asset_id, delay_s=300)
    return Waiting(value, request=lambda: api.request(asset_id, value))


class MuxApi:
    """A thin adapter over mux-python (imported here only: it is heavy)."""

    def __init__(self) -> None:
        import mux_python

        configuration = mux_python.Configuration(host=get_settings().mux_api_url)
        configuration.username = get_secret("MUX_TOKEN_ID")
        configuration.password = get_secret("MUX_TOKEN_SECRET")
        self.assets = mux_python.AssetsApi(mux_python.ApiClient(configuration))

    def asset(self, asset_id: str) -> dict[str, Any]:
        answer: dict[str, Any] | None = _calling(lambda: self.assets.get_asset(asset_id).data.to_dict(), asset_id)
        if answer is None:
            raise GiveUpError("Mux API returned no asset", detail=asset_id)
        return answer

    def list_assets(self, cursor: str | None) -> dict[str, Any]:
        """One page of assets, newest first: {"data": [asset dicts], "next_cursor": …}."""
        kwargs = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        answer = _calling(lambda: self.assets.list_assets(**kwargs), "list")
        if answer is None:
            return {"data": [], "next_cursor": None}
        return {"data": [a.to_dict() for a in answer.data or []], "next_cursor": getattr(answer, "next_cursor", None)}

    def request(self, asset_id: str, what: str) -> None:
        import mux_python

        if what == "master":
            body = mux_python.UpdateAssetMasterAccessRequest(master_access="temporary")
            _calling(lambda: self.assets.update_asset_master_access(asset_id, body), asset_id)
        else:
            rendition = mux_python.CreateStaticRenditionRequest(resolution="highest")
            _calling(lambda: self.assets.create_asset_static_rendition(asset_id, rendition), asset_id,
                     conflict_ok=True)


def _calling(action: Callable[[], T], asset_id: str, conflict_ok: bool = False) -> T | None:
    """Mux API failures on the retry / give-up split (5xx, 429 and network: retry)."""
    import urllib3
    from mux_python.exceptions import ApiException

    try:
        return action()
    except ApiException as exc:
        status = int(exc.status or 0)
        if status == 429 or status >= 500:
            raise RetryableError("Mux API unavailable", detail=f"HTTP {status}") from None
        if status == 409 and conflict_ok:  # already requested
            return None
        raise GiveUpError("Mux API refused", detail=f"{asset_id}: HTTP {status}") from None
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise RetryableError("Mux API unreachable", detail=type(exc).__name__) from None
