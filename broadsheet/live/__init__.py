"""Live threads: new approved comments, vote and rating totals and passage counts pushed
to the readers of an article as Server-Sent Events, while the article stays cacheable.

One event log per article (`models.Event`, numbered by the article's `Channel`), written
in the transaction of each change it reports; one stream endpoint per article
(`views.stream`, async) that starts from the version the page was rendered at and
follows the channel: Redis pub/sub when REDIS_URL is set, the event table polled
otherwise. See docs/comments.md.
"""
