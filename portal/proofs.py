"""Short-lived, single-use proofs that a refused sign-in had the right password.

A refused browser holds no session, yet the refusal page lets its user act (free a seat, ask to be
told when one frees up). The page carries a signed token instead: bound to the user and to their
current password (so a password change voids it), valid for a few minutes, and spent once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from accounts.models import User

from .models import UsedSignInProof

FREE_SEAT = "free_seat"
SEAT_WISH = "seat_wish"
LICENSE_REQUEST = "license_request"
PURPOSES = (FREE_SEAT, SEAT_WISH, LICENSE_REQUEST)


class ProofRefused(Exception):
    """The token is tampered with, expired, spent, or no longer matches its user."""


@dataclass(frozen=True)
class Proof:
    user: User
    purpose: str
    nonce: str


def _signer(purpose: str) -> signing.TimestampSigner:
    if purpose not in PURPOSES:
        raise ValueError(f"Unknown proof purpose {purpose!r}")
    # One salt per purpose: a token for one action cannot be replayed against another.
    return signing.TimestampSigner(salt=f"portal.sign-in-proof.{purpose}")


def issue_proof(user: User, purpose: str) -> str:
    """A token proving `user` just passed the password check, for one `purpose`."""
    payload = {"u": user.pk, "n": secrets.token_urlsafe(18), "h": user.get_session_auth_hash()}
    return _signer(purpose).sign_object(payload, compress=True)


def check_proof(token: str, purpose: str) -> Proof:
    """The proof in `token`, unspent and still matching its user; ProofRefused otherwise."""
    try:
        payload = _signer(purpose).unsign_object(
            token or "", max_age=settings.PORTAL_SIGN_IN_PROOF_MAX_AGE_SECONDS
        )
        user_id, nonce, auth_hash = payload["u"], str(payload["n"]), str(payload["h"])
    except signing.SignatureExpired as exc:
        raise ProofRefused("Your sign-in check has expired. Please sign in again.") from exc
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise ProofRefused("This link is not valid. Please sign in again.") from exc
    user = User.objects.select_related("company").filter(pk=user_id, is_active=True).first()
    if user is None or not constant_time_compare(auth_hash, user.get_session_auth_hash()):
        raise ProofRefused("This link is not valid any more. Please sign in again.")
    if UsedSignInProof.objects.filter(nonce=nonce).exists():
        raise ProofRefused("This sign-in check has been used already. Please sign in again.")
    return Proof(user=user, purpose=purpose, nonce=nonce)


def spend_proof(proof: Proof) -> None:
    """Record the proof as used; ProofRefused if a concurrent request spent it first.

    Call it inside the transaction of the action the proof allows: if the action fails and rolls
    back, the proof stays unspent, and if the action commits, nobody can repeat it.
    """
    try:
        with transaction.atomic():
            UsedSignInProof.objects.create(
                nonce=proof.nonce, user=proof.user, purpose=proof.purpose
            )
    except IntegrityError as exc:
        raise ProofRefused(
            "This sign-in check has been used already. Please sign in again."
        ) from exc


def purge_spent_proofs() -> int:
    """Forget nonces of proofs that have expired anyway; returns how many were deleted."""
    # Twice the lifetime: a token issued just before its nonce was spent is still refused by age.
    cutoff = timezone.now() - timedelta(seconds=2 * settings.PORTAL_SIGN_IN_PROOF_MAX_AGE_SECONDS)
    deleted, _ = UsedSignInProof.objects.filter(used_at__lt=cutoff).delete()
    return deleted
