"""Safe parsing of WeChat callback XML and rendering of replies (docs/channels.md §1.4, §1.7).

The module is not called `xml.py` so that it can never shadow the standard library package.
"""

import re
from typing import Dict
from xml.etree.ElementTree import ParseError

import defusedxml
import defusedxml.ElementTree as SafeElementTree

# Characters XML 1.0 does not allow; a reply containing them would not parse on WeChat's side.
_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class XmlRejected(ValueError):
    """The body is not a well-formed, flat WeChat `<xml>` document without DTD or entities."""


def parse_callback(body: bytes) -> Dict[str, str]:
    """Parse a callback body into `{tag: text}` for the direct children of `<xml>`.

    DTDs, entity declarations and external references are refused outright (defusedxml), so
    neither entity expansion nor external fetches can happen. Children that themselves have
    children (e.g. `ScanCodeInfo` of some menu events) are skipped: the channel never needs
    them. Duplicate tags are refused, because two parsers could disagree on which one counts.
    """
    try:
        root = SafeElementTree.fromstring(
            body, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except (ParseError, defusedxml.DefusedXmlException, ValueError) as error:
        raise XmlRejected(f"unparseable body: {type(error).__name__}") from error
    if root.tag != "xml":
        raise XmlRejected(f"unexpected root element {root.tag!r}")
    fields: Dict[str, str] = {}
    for child in root:
        if not isinstance(child.tag, str):
            continue  # comments / processing instructions
        if child.tag in fields:
            raise XmlRejected(f"duplicate element {child.tag!r}")
        if len(child):
            fields[child.tag] = ""
            continue
        fields[child.tag] = child.text or ""
    return fields


def cdata(text: str) -> str:
    """Wrap text in CDATA, splitting any `]]>` so it cannot close the section early."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def clean_text(text: str) -> str:
    """Drop characters XML 1.0 cannot carry, whatever the bot's responses contain."""
    return _INVALID_XML_CHARS.sub("", text)


def render_text_reply(to_user: str, from_user: str, content: str, create_time: int) -> str:
    """The passive text reply; `to_user` is the inbound FromUserName (the user)."""
    return (
        "<xml>"
        f"<ToUserName>{cdata(to_user)}</ToUserName>"
        f"<FromUserName>{cdata(from_user)}</FromUserName>"
        f"<CreateTime>{int(create_time)}</CreateTime>"
        f"<MsgType>{cdata('text')}</MsgType>"
        f"<Content>{cdata(clean_text(content))}</Content>"
        "</xml>"
    )


def render_encrypted_envelope(
    encrypted: str, msg_signature: str, timestamp: str, nonce: str
) -> str:
    """The safe-mode reply envelope, in the layout of Tencent's sample template."""
    return (
        "<xml>\n"
        f"<Encrypt>{cdata(encrypted)}</Encrypt>\n"
        f"<MsgSignature>{cdata(msg_signature)}</MsgSignature>\n"
        f"<TimeStamp>{int(timestamp)}</TimeStamp>\n"
        f"<Nonce>{cdata(nonce)}</Nonce>\n"
        "</xml>"
    )
