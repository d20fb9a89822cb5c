"""DreamChat's entry point. `python app.py` serves production traffic with eventlet (or gevent with
ASYNC_MODE=gevent); `flask run` and the tests use the same app in threading mode."""
import os

if __name__ == "__main__":
    ASYNC_MODE = os.environ.get("ASYNC_MODE", "eventlet")
    if ASYNC_MODE == "eventlet":
        import eventlet

        eventlet.monkey_patch()
        # psycopg's C wait would block every green thread during each query; its select-based
        # wait goes through the patched select module.
        os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")
    elif ASYNC_MODE == "gevent":
        from gevent import monkey

        monkey.patch_all()
        os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")

from dreamchat import create_app  # noqa: E402
from dreamchat.extensions import socketio  # noqa: E402

app = create_app()


def serve() -> None:
    from dreamchat import tasks
    from dreamchat.serving import (IdleWebsockets, install_graceful_shutdown, listen_options, ping_floor,
                                   prepare_server, run_gevent, server_options, websocket_read_timeout)

    host, port = listen_options()
    config = app.config
    prepare_server(socketio.async_mode, config["MAX_CONNECTIONS_PER_ADDRESS"])
    options = server_options(socketio.async_mode, config["HTTP_HEADER_TIMEOUT_SECONDS"],
                             config["HTTP_IDLE_TIMEOUT_SECONDS"],
                             websocket_read_timeout(config["HTTP_IDLE_TIMEOUT_SECONDS"], ping_floor(socketio)),
                             config["MAX_CONNECTIONS_PER_ADDRESS"])
    if socketio.async_mode == "eventlet":
        app.wsgi_app = IdleWebsockets(app.wsgi_app, config["HTTP_IDLE_TIMEOUT_SECONDS"], ping_floor(socketio))
    scheduler = app.extensions[tasks.EXTENSION]
    install_graceful_shutdown(scheduler, app.config["SHUTDOWN_GRACE_SECONDS"])
    socketio.start_background_task(scheduler.resume_unfinished)
    socketio.start_background_task(scheduler.sweep_forever)
    socketio.start_background_task(scheduler.proactive_forever)
    app.logger.info("DreamChat on http://%s:%s (%s)", host, port, socketio.async_mode)
    if socketio.async_mode == "gevent":
        run_gevent(socketio, app, host, port, options)
    else:
        socketio.run(app, host=host, port=port, debug=False, use_reloader=False, log_output=False, **options)


if __name__ == "__main__":
    serve()
