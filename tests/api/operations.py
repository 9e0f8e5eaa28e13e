"""GraphQL documents the tests send, written as a client would."""

SMS_CODE_SEND = """
mutation($input: SmsCodeSendInput!) {
  smsCodeSend(input: $input) {
    sentTo expiresInSeconds resendAfterSeconds errors { code field message }
  }
}"""

REGISTER = """
mutation($input: RegisterInput!) {
  register(input: $input) {
    user { id phone hasPassword } token tokenExpiresAt errors { code field message }
  }
}"""

LOGIN = """
mutation($input: LoginInput!) {
  login(input: $input) { user { id phone } token tokenExpiresAt errors { code field message } }
}"""

LOGOUT = "mutation { logout { errors { code } } }"

ME = (
    "{ me { id phone isStaff hasPassword "
    "tokens(first: 10) { edges { node { id name revokedAt } } } } }"
)

PASSWORD_SET = """
mutation($input: PasswordSetInput!) {
  passwordSet(input: $input) { user { hasPassword } errors { code field message } }
}"""

TOKEN_REVOKE = """
mutation($input: TokenRevokeInput!) {
  tokenRevoke(input: $input) { token { id revokedAt } errors { code field } }
}"""

VERIFICATION_FIELDS = """
  id kind name idNumber creditCode certificateType status decisionReason
  certificate { name contentType size url }
  reviewHistory { action actorName reason at }
"""

VERIFICATION_SUBMIT = f"""
mutation($input: VerificationSubmitInput!) {{
  verificationSubmit(input: $input) {{
    verification {{ {VERIFICATION_FIELDS} }}
    errors {{ code field message }}
  }}
}}"""

MY_VERIFICATION = f"{{ me {{ verification {{ {VERIFICATION_FIELDS} }} }} }}"

IDENTITY_APPLY = """
mutation($input: IdentityApplyInput!) {
  identityApply(input: $input) {
    identity { id kind status certificate { name url } }
    errors { code field message }
  }
}"""

MY_IDENTITIES = "{ me { identities { id kind status decisionReason shop { id status } } } }"

SHOP_NOTICE = "{ shopNotice { kind version title body } }"

SHOP_APPLY = """
mutation($input: ShopApplyInput!) {
  shopApply(input: $input) {
    shop { id name status identityKind noticeAccepted { version } contactPhone }
    errors { code field message }
  }
}"""

REVIEW_APPROVE = """
mutation($id: ID!) {
  reviewApprove(input: {id: $id}) {
    subject { __typename reviewStatus decidedAt decisionReason ... on Node { id } }
    errors { code field message }
  }
}"""

REVIEW_REJECT = """
mutation($id: ID!, $reason: String!) {
  reviewReject(input: {id: $id, reason: $reason}) {
    subject { __typename reviewStatus decisionReason ... on Node { id } }
    errors { code field message }
  }
}"""
