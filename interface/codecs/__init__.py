"""The wire formats, both directions, shared by our server (``interface.http``) and the client.

``media`` reads Content-Type, charset and setuVersionId; ``json_codec`` and
``xml_codec`` (with the generated ``xml_tables``) read and write bodies
strictly; ``versions`` converts SETU 1.0 to and from the 2.0 shape the library
keeps; ``wire`` puts them together for messages, lines and lists;
``error_object`` is the SETU refusal; ``kinds`` names the three collections.
"""
