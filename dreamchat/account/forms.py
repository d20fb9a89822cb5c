"""The account page's forms: a new password and deleting the account (both ask for the password),
signing out everywhere, notification preferences."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from dreamchat.auth.forms import PASSWORD_RULES
from dreamchat.chat.validation import clean_text_field


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired(), Length(max=128),
                                                                      clean_text_field])
    new_password = PasswordField("New password", validators=[*PASSWORD_RULES])
    new_password_confirm = PasswordField("Repeat new password", validators=[
        DataRequired(), EqualTo("new_password", message="The passwords do not match."),
    ])
    submit = SubmitField("Change password")


class DeleteAccountForm(FlaskForm):
    # Checked in the browser (required); the server asks only for the password.
    understood = BooleanField("I understand this cannot be undone")
    password = PasswordField("Your password", validators=[DataRequired(), Length(max=128), clean_text_field])
    submit = SubmitField("Delete my account")


class SignOutEverywhereForm(FlaskForm):
    submit = SubmitField("Sign out everywhere")


class NotificationsForm(FlaskForm):
    notifications = BooleanField("Notify me when a companion replies while DreamChat is in the background")
    submit = SubmitField("Save")
