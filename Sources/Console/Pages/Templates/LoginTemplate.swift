extension PageTemplates {
    /// `/login`: the form fields are `username` and `password`.
    static let login = """
        {{<layout}}
        {{$content}}
        <h1>Log in</h1>
        <form method="post" action="/login" class="login">
          <input type="hidden" name="next" value="{{next}}">
          <label for="username">User name</label>
          <input id="username" name="username" autocomplete="username" required autofocus value="{{username}}">
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required>
          <button type="submit">Log in</button>
        </form>
        {{/content}}
        {{/layout}}
        """
}
