extension PageTemplates {
    /// Every page's frame: the navigation, who is logged in, the logout form (with its CSRF
    /// token), and a note when something failed. Pages fill `{{$content}}`.
    static let layout = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · okayface console</title>
        <link rel="stylesheet" href="/static/console.css">
        </head>
        <body>
        <header>
          <nav aria-label="main">
            <a href="/" class="brand">okayface console</a>
            {{#user}}
            <a href="/">Decisions</a>
            <a href="/review-queue">Review queue</a>
            <a href="/dead-letters">Dead letters</a>
            <a href="/quality">Quality</a>
            {{/user}}
          </nav>
          {{#user}}
          <form method="post" action="/logout" class="logout">
            <span class="who">{{name}} ({{role}})</span>
            <input type="hidden" name="csrf" value="{{csrf}}">
            <button type="submit">Log out</button>
          </form>
          {{/user}}
        </header>
        <main>
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        {{#problem}}<p class="problem" role="alert">{{problem}}</p>{{/problem}}
        {{$content}}{{/content}}
        </main>
        <footer>All times are UTC.</footer>
        </body>
        </html>
        """
}
