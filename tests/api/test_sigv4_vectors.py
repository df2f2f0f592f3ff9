"""The server's SigV4 canonicalisation passes AWS's published test suite (tests/api/sigv4_vectors/)."""

import json
from pathlib import Path

import pytest

from ccp.api import sigv4

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
VECTORS = sorted((Path(__file__).parent / "sigv4_vectors").glob("*.json"))


@pytest.mark.parametrize("path", VECTORS, ids=[p.stem for p in VECTORS])
def test_the_server_computes_the_published_canonical_request_string_to_sign_and_signature(path):
    vector = json.loads(path.read_text())
    auth = sigv4.authorization_parse(vector["authz"])
    creq = sigv4.canonical_request(
        method=vector["method"],
        raw_path=vector["path"],
        query_string=vector["query"],
        headers=[tuple(h) for h in vector["headers"]],
        signed=auth.signed_headers,
        body=vector["body"].encode(),
    )
    assert creq == vector["creq"]
    assert sigv4.string_to_sign(amz_date="20150830T123600Z", scope=auth.scope, creq=creq) == vector["sts"]
    assert sigv4.signature(secret=SECRET, auth=auth, amz_date="20150830T123600Z", creq=creq) == auth.signature


def test_there_are_vectors_to_check():
    assert len(VECTORS) >= 10


PRESIGNED = sorted((Path(__file__).parent / "sigv4_vectors" / "presigned").glob("*.json"))


@pytest.mark.parametrize("path", PRESIGNED, ids=[p.stem for p in PRESIGNED])
def test_the_server_computes_the_published_presigned_canonical_request_and_signature(path):
    vector = json.loads(path.read_text())
    params = dict(sigv4.query_pairs(vector["query"]))
    key, date, region, service, _ = params["X-Amz-Credential"].split("/")
    signed = tuple(params["X-Amz-SignedHeaders"].split(";"))
    auth = sigv4.Authorization(key, date, region, service, signed, params["X-Amz-Signature"])
    creq = sigv4.canonical_request(
        method=vector["method"],
        raw_path=vector["path"],
        query_string=vector["query"],
        headers=[tuple(h) for h in vector["headers"]],
        signed=signed,
        body=vector["body"].encode(),
        presigned=True,
    )
    assert creq == vector["creq"]
    assert sigv4.signature(secret=SECRET, auth=auth, amz_date=params["X-Amz-Date"], creq=creq) == auth.signature


def test_there_are_presigned_vectors_to_check():
    assert len(PRESIGNED) >= 4
