"""The S3 multipart calls against the destination, one small method each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.transfer.integrity import Integrity

IDENTITY_KEY = "source-identity"  # x-amz-meta-source-identity: makes a finished copy recognisable


@dataclass(frozen=True)
class Destination:
    client: Any
    bucket: str
    key: str

    @property
    def uri(self) -> str:
        return f"{self.client.meta.endpoint_url}/{self.bucket}/{self.key}"

    def head(self) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        try:
            answer: dict[str, Any] = self.client.head_object(Bucket=self.bucket, Key=self.key)
        except ClientError as exc:
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                return None
            raise
        return answer

    def holds(self, size: int, identity: str) -> bool:
        """Whether the destination already is a finished copy of this source."""
        head = self.head()
        recorded = head.get("Metadata", {}).get(IDENTITY_KEY) if head else None
        return bool(head and head["ContentLength"] == size and recorded == identity.strip('"'))

    def put(self, body: Any, identity: str, source: str, checksum: dict[str, str]) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.key, Body=body, Metadata=_metadata(identity, source),
                               **checksum)

    def create(self, identity: str, source: str, integrity: Integrity) -> str:
        extra = {"ChecksumAlgorithm": "CRC32"} if integrity is Integrity.CRC32 else {}
        answer = self.client.create_multipart_upload(Bucket=self.bucket, Key=self.key,
                                                     Metadata=_metadata(identity, source), **extra)
        return str(answer["UploadId"])

    def upload_part(self, upload_id: str, number: int, body: Any, checksum: dict[str, str]) -> dict[str, str]:
        answer = self.client.upload_part(Bucket=self.bucket, Key=self.key, UploadId=upload_id, PartNumber=number,
                                         Body=body, **checksum)
        return {"ETag": answer["ETag"], **{k: v for k, v in checksum.items() if k.startswith("Checksum")}}

    def copy_part(self, upload_id: str, number: int, source: dict[str, str], byte_range: str,
                  identity: str) -> dict[str, str]:
        answer = self.client.upload_part_copy(Bucket=self.bucket, Key=self.key, UploadId=upload_id,
                                              PartNumber=number, CopySource=source, CopySourceRange=byte_range,
                                              CopySourceIfMatch=identity)
        return {"ETag": answer["CopyPartResult"]["ETag"]}

    def copy_object(self, source: dict[str, str], identity: str, source_uri: str) -> None:
        self.client.copy_object(Bucket=self.bucket, Key=self.key, CopySource=source, CopySourceIfMatch=identity,
                                MetadataDirective="REPLACE", Metadata=_metadata(identity, source_uri))

    def listed_parts(self, upload_id: str) -> dict[int, dict[str, str]]:
        parts: dict[int, dict[str, str]] = {}
        for page in self.client.get_paginator("list_parts").paginate(Bucket=self.bucket, Key=self.key,
                                                                    UploadId=upload_id):
            for part in page.get("Parts", []):
                parts[part["PartNumber"]] = {"ETag": part["ETag"],
                                             **({"ChecksumCRC32": part["ChecksumCRC32"]}
                                                if part.get("ChecksumCRC32") else {})}
        return parts

    def complete(self, upload_id: str, parts: dict[int, dict[str, str]]) -> None:
        ordered = [{"PartNumber": n, **parts[n]} for n in sorted(parts)]
        self.client.complete_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=upload_id,
                                              MultipartUpload={"Parts": ordered})

    def abort(self, upload_id: str) -> None:
        from botocore.exceptions import ClientError

        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=upload_id)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "NoSuchUpload":
                raise


def _metadata(identity: str, source: str) -> dict[str, str]:
    # S3 user metadata must be ASCII; keep the source readable but safe.
    return {IDENTITY_KEY: identity.strip('"'), "source": source.encode("ascii", "replace").decode()[:1024]}
