"""The sign-up, sign-in and sign-out forms, and the password rules shared with the account page."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp, ValidationError

import sqlalchemy as sa

from dreamchat.chat.validation import clean_text_field
from dreamchat.extensions import db
from dreamchat.models import User

PASSWORD_RULES = (DataRequired(), Length(min=8, max=128), clean_text_field)


class RegisterForm(FlaskForm):
    username = StringField("Username", validators=[
        DataRequired(), Length(min=3, max=32), clean_text_field,
        Regexp(r"^[A-Za-z0-9_.-]+$", message="Use letters, digits, dots, dashes or underscores."),
    ])
    password = PasswordField("Password", validators=[*PASSWORD_RULES])
    password_confirm = PasswordField("Repeat password", validators=[
        DataRequired(), EqualTo("password", message="The passwords do not match."),
    ])
    adult = BooleanField("I am 18 or older and I understand the companions are AI", validators=[
        DataRequired(message="DreamChat is for adults only."),
    ])
    submit = SubmitField("Create account")

    def validate_username(self, field) -> None:
        taken = db.session.scalar(sa.select(User.id).where(sa.func.lower(User.username) == field.data.lower()))
        if taken:
            raise ValidationError("That username is taken.")


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=32), clean_text_field])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=128), clean_text_field])
    remember = BooleanField("Keep me signed in")
    submit = SubmitField("Sign in")


class LogoutForm(FlaskForm):
    submit = SubmitField("Sign out")
