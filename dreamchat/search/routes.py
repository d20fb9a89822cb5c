"""/api/search (JSON, for static/js/search.js) and /search (the page, and the fallback without JavaScript)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template, request
from flask_login import current_user, login_required

from dreamchat import quotas
from dreamchat.chat.validation import id_arg, is_clean_text
from dreamchat.search.index import GroupHit, Hit, QueryError, Terms, parse_query, search, search_groups

bp = Blueprint("search", __name__)

DEFAULT_LIMIT = 20
TOO_MANY = "You are searching very fast: wait a moment and try again."


def default_limit() -> int:
    most = current_app.config.get("SEARCH_MAX_RESULTS", 50)
    return min(DEFAULT_LIMIT, most) if most else DEFAULT_LIMIT


def rank_window() -> int:
    return current_app.config.get("SEARCH_RANK_WINDOW", 500)


def terms_of(raw: str | None) -> Terms:
    """The terms of ?q=; QueryError says what is wrong with it."""
    if raw is None or not raw.strip():
        raise QueryError("Type something to search for.")
    longest = current_app.config.get("SEARCH_MAX_QUERY_LENGTH", 200)
    if longest and len(raw) > longest:
        raise QueryError(f"The search is too long: at most {longest} characters.")
    if not is_clean_text(raw):
        raise QueryError("The search holds characters that cannot be searched for.")
    return parse_query(raw)


def result_limit() -> int:
    """?limit= (a whole number from 1; 400 otherwise), at most SEARCH_MAX_RESULTS: asking for more gets that many."""
    limit = id_arg("limit")
    if limit is None:
        return default_limit()
    most = current_app.config.get("SEARCH_MAX_RESULTS", 50)
    return min(limit, most) if most else limit


def searches_wait() -> int | None:
    """One more search by the user under RATE_LIMIT_SEARCHES a minute (0: no limit): None when allowed,
    else the seconds to wait."""
    return quotas.throttle("search", str(current_user.id), current_app.config.get("RATE_LIMIT_SEARCHES", 60), 60)


def as_result(hit: Hit) -> dict:
    return {"message": hit.message.to_dict(), "girl_id": hit.message.companion.slug,
            "companion_name": hit.message.companion.name, "snippet": hit.snippet,
            "highlights": [list(span) for span in hit.highlights],
            "url": f"/chat/{hit.message.companion.slug}?message={hit.message.id}"}


def as_group_result(hit: GroupHit) -> dict:
    """A group chat's message: girl_id is the companion who wrote it (the group's first one for the
    user's), companion_name the group's name; url jumps to it on the group's page."""
    return {"message": hit.message, "girl_id": hit.speaker or hit.first_member, "group_id": hit.group_id,
            "companion_name": f"{hit.speaker_name} in {hit.group_name}" if hit.speaker_name else hit.group_name,
            "snippet": hit.snippet, "highlights": [list(span) for span in hit.highlights],
            "url": f"/groups/{hit.group_id}?message={hit.message['id']}"}


def group_scan() -> int:
    return current_app.config.get("SEARCH_GROUP_SCAN", 2000)


def all_results(terms: Terms, limit: int) -> list[dict]:
    """One-to-one messages (ranked by the index), then group chat messages (newest first), limit in all."""
    results = [as_result(hit) for hit in search(current_user.id, terms, limit, rank_window())]
    results += [as_group_result(hit) for hit in search_groups(current_user.id, terms, limit - len(results),
                                                              group_scan())]
    return results


@bp.get("/api/search")
@login_required
def api():
    try:
        terms = terms_of(request.args.get("q"))
    except QueryError as error:
        abort(400, description=str(error))
    limit = result_limit()
    wait = searches_wait()
    if wait is not None:
        response = jsonify(error={"code": "rate_limited", "message": TOO_MANY})
        response.headers["Retry-After"] = str(wait)
        return response, 429
    return jsonify(results=all_results(terms, limit))


def highlighted(hit: Hit) -> list[tuple[str, bool]]:
    """The snippet as (text, is_match) pieces, for the template to escape."""
    pieces, at = [], 0
    for start, end in hit.highlights:
        if start > at:
            pieces.append((hit.snippet[at:start], False))
        pieces.append((hit.snippet[start:end], True))
        at = end
    if at < len(hit.snippet):
        pieces.append((hit.snippet[at:], False))
    return pieces


@bp.get("/search")
@login_required
def page():
    raw = request.args.get("q")
    results, error, status, wait = None, None, 200, None
    if raw is not None and raw.strip():
        try:
            terms = terms_of(raw)
            wait = searches_wait()
            if wait is None:
                results = [(hit, highlighted(hit)) for hit in search(current_user.id, terms, default_limit(),
                                                                     rank_window())]
                results += [(hit, highlighted(hit)) for hit in search_groups(
                    current_user.id, terms, default_limit() - len(results), group_scan())]
            else:
                error, status = TOO_MANY, 429
        except QueryError as problem:
            error, status = str(problem), 400
    headers = {"Retry-After": str(wait)} if wait is not None else {}
    return render_template("search/index.html", search_query=raw or "", results=results, error=error), status, headers
