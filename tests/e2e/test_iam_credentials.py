"""IAM's other credentials and identity providers through boto3: login profiles, MFA devices, SSH keys,
signing and server certificates, OIDC and SAML providers, the credential report, service-linked roles."""

import csv
import io
import json

import botocore.exceptions
import pytest

from conftest import ACCOUNT_A
import totp

# X.509 structure valid 2024-01-01..2034-01-01 (dummy key and signature: IAM only reads it).
CERT = """-----BEGIN CERTIFICATE-----
MIHuMIHUoAMCAQICFENJQ9adLWNk5912upxO1JIPRrarMAoGCCqGSM49BAMCMBcx
FTATBgNVBAMMDHNla2lzaG8tdGVzdDAeFw0yNDAxMDEwMDAwMDBaFw0zNDAxMDEw
MDAwMDBaMBcxFTATBgNVBAMMDHNla2lzaG8tdGVzdDBZMBMGByqGSM49AgEGCCqG
SM49AwEHA0IABAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB
AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEwCgYIKoZIzj0EAwIDCQAwBgIBAQIB
AQ==
-----END CERTIFICATE-----"""
SSH_KEY = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 test@example"


def error_of(excinfo):
    e = excinfo.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"], e["Error"].get("Message", "")


@pytest.fixture
def iam(sekisho):
    return sekisho.client("iam")


def test_login_profile_blocks_user_deletion(iam):
    iam.create_user(UserName="console-user")
    profile = iam.create_login_profile(UserName="console-user", Password="Str0ng!pass", PasswordResetRequired=True)
    assert profile["LoginProfile"]["UserName"] == "console-user"
    assert iam.get_login_profile(UserName="console-user")["LoginProfile"]["PasswordResetRequired"] is True
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.delete_user(UserName="console-user")
    assert error_of(e) == ("DeleteConflict", 409, "Cannot delete entity, must delete login profile first.")
    iam.delete_login_profile(UserName="console-user")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.get_login_profile(UserName="console-user")
    assert error_of(e) == ("NoSuchEntity", 404, "Login Profile for User console-user cannot be found.")
    iam.delete_user(UserName="console-user")


def test_virtual_mfa_device_lifecycle(iam):
    iam.create_user(UserName="mfa-user")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="phone", Path="/staff/")["VirtualMFADevice"]
    assert device["SerialNumber"] == f"arn:aws:iam::{ACCOUNT_A}:mfa/staff/phone"
    assert len(device["Base32StringSeed"]) == 64
    # The QR code an authenticator app scans: a PNG.
    assert device["QRCodePNG"].startswith(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.create_virtual_mfa_device(VirtualMFADeviceName="phone", Path="/staff/")
    assert error_of(e)[:2] == ("EntityAlreadyExists", 409)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.enable_mfa_device(UserName="mfa-user", SerialNumber=device["SerialNumber"],
                              AuthenticationCode1="123456", AuthenticationCode2="654321")
    assert error_of(e) == ("InvalidAuthenticationCode", 403, "Authentication code for device is not valid.")
    totp.enable(iam, "mfa-user", device["Base32StringSeed"], device["SerialNumber"])
    assigned = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    assert [d["User"]["UserName"] for d in assigned] == ["mfa-user"]
    assert [d["SerialNumber"] for d in iam.list_mfa_devices(UserName="mfa-user")["MFADevices"]] == [device["SerialNumber"]]
    iam.deactivate_mfa_device(UserName="mfa-user", SerialNumber=device["SerialNumber"])
    iam.delete_virtual_mfa_device(SerialNumber=device["SerialNumber"])
    assert iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []


def test_ssh_keys_and_signing_certificates(iam):
    iam.create_user(UserName="keys-user")
    key = iam.upload_ssh_public_key(UserName="keys-user", SSHPublicKeyBody=SSH_KEY)["SSHPublicKey"]
    assert key["SSHPublicKeyId"].startswith("APKA") and key["Status"] == "Active"
    iam.update_ssh_public_key(UserName="keys-user", SSHPublicKeyId=key["SSHPublicKeyId"], Status="Inactive")
    got = iam.get_ssh_public_key(UserName="keys-user", SSHPublicKeyId=key["SSHPublicKeyId"], Encoding="SSH")
    assert got["SSHPublicKey"]["Status"] == "Inactive"
    cert = iam.upload_signing_certificate(UserName="keys-user", CertificateBody=CERT)["Certificate"]
    assert cert["Status"] == "Active" and cert["CertificateBody"] == CERT
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.upload_signing_certificate(UserName="keys-user", CertificateBody="not a certificate")
    assert error_of(e)[:2] == ("MalformedCertificate", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.delete_user(UserName="keys-user")
    assert error_of(e) == ("DeleteConflict", 409, "Cannot delete entity, must delete signing certificates first.")


def test_server_certificates_read_their_expiry(iam):
    meta = iam.upload_server_certificate(ServerCertificateName="web", CertificateBody=CERT,
                                         PrivateKey="-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----")
    meta = meta["ServerCertificateMetadata"]
    assert meta["Arn"] == f"arn:aws:iam::{ACCOUNT_A}:server-certificate/web"
    assert meta["Expiration"].year == 2034 and meta["ServerCertificateId"].startswith("ASCA")
    assert iam.get_server_certificate(ServerCertificateName="web")["ServerCertificate"]["CertificateBody"] == CERT
    iam.delete_server_certificate(ServerCertificateName="web")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.get_server_certificate(ServerCertificateName="web")
    assert error_of(e) == ("NoSuchEntity", 404, "The Server Certificate with name web cannot be found.")


def test_identity_providers(iam):
    arn = iam.create_open_id_connect_provider(Url="https://token.actions.githubusercontent.com",
                                              ClientIDList=["sts.amazonaws.com"],
                                              ThumbprintList=["a" * 40])["OpenIDConnectProviderArn"]
    assert arn == f"arn:aws:iam::{ACCOUNT_A}:oidc-provider/token.actions.githubusercontent.com"
    iam.update_open_id_connect_provider_thumbprint(OpenIDConnectProviderArn=arn, ThumbprintList=["b" * 40])
    provider = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert provider["Url"] == "token.actions.githubusercontent.com" and provider["ThumbprintList"] == ["b" * 40]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.create_open_id_connect_provider(Url="token.example.com", ThumbprintList=[])
    assert error_of(e)[2] == "Invalid Open ID Connect Provider URL"
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert error_of(e) == ("NoSuchEntity", 404, f"OpenIDConnect Provider not found for arn {arn}")

    saml = iam.create_saml_provider(Name="corp-idp", SAMLMetadataDocument="<md>" + "x" * 1000 + "</md>")
    assert saml["SAMLProviderArn"] == f"arn:aws:iam::{ACCOUNT_A}:saml-provider/corp-idp"
    assert [p["Arn"] for p in iam.list_saml_providers()["SAMLProviderList"]] == [saml["SAMLProviderArn"]]
    iam.delete_saml_provider(SAMLProviderArn=saml["SAMLProviderArn"])


def test_credential_report(iam):
    iam.create_user(UserName="reported")
    iam.create_access_key(UserName="reported")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.get_credential_report()
    assert error_of(e)[:2] == ("ReportNotPresent", 410)
    assert iam.generate_credential_report()["State"] == "STARTED"
    assert iam.generate_credential_report()["State"] == "COMPLETE"
    report = iam.get_credential_report()
    rows = list(csv.DictReader(io.StringIO(report["Content"].decode())))
    assert rows[0]["user"] == "<root_account>"
    user = next(r for r in rows if r["user"] == "reported")
    assert user["access_key_1_active"] == "true" and user["access_key_2_active"] == "false"


def test_service_linked_role(iam):
    role = iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com", Description="asg")["Role"]
    assert role["RoleName"] == "AWSServiceRoleForAutoScaling"
    assert role["Path"] == "/aws-service-role/autoscaling.amazonaws.com/"
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": ["autoscaling.amazonaws.com"]}
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.delete_role(RoleName="AWSServiceRoleForAutoScaling")
    assert error_of(e)[:2] == ("UnmodifiableEntity", 400)
    task = iam.delete_service_linked_role(RoleName="AWSServiceRoleForAutoScaling")["DeletionTaskId"]
    assert iam.get_service_linked_role_deletion_status(DeletionTaskId=task)["Status"] == "SUCCEEDED"
