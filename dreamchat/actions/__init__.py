"""The only code that changes conversation and account state (the shape of Zulip's zerver/actions/).

One module per concern; import the one you need (`from dreamchat.actions import messages`):

    events     record_event(), emitted by an after_commit listener; replay; login rooms
    messages   the user's messages: send, edit, delete, regenerate, retry
    replies    the companion's replies: stored once, streamed, failures reported
    reads      read receipts both ways
    photos     photo requests, their completion or failure
    memory     what a companion remembers about the user
    account    sign-up, logout, password change, account deletion

Actions write and commit; the events they record reach the user's tabs after the commit. Work that
happens later (a reply, a photo) is asked for through dreamchat.tasks, never by calling the worker.
"""
